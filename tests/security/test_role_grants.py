"""Issue 12 item 6: nobody grants a role to themselves; a city-wide or council role needs a second person's
approval (and gives no power until then); ending a membership takes effect at once."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.factories import CouncilTermFactory, UserFactory
from workflows.audit import SYSTEM, Actor
from workflows.models import AuditEvent, Membership, MembershipStatus, Role
from workflows.policies import may_view_council_term, may_view_unit
from workflows.roles import CITY, Scope, find_authority, has_role
from workflows.services import (
    delegation_create,
    membership_approve,
    membership_end,
    membership_grant,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(person):
    return {
        "head": person("board.head", Role.BOARD_HEAD),
        "officer": person("board.officer", Role.BOARD_OFFICER),
    }


def fresh(user):
    """The user as a new request sees them (no cached authorities or permissions)."""
    return get_user_model().objects.get(pk=user.pk)


def events(verb):
    return list(AuditEvent.objects.filter(verb=verb).order_by("sequence"))


@pytest.mark.parametrize("role", [Role.CITY_CHAIRMAN, Role.COUNCIL_SECRETARY, Role.UNIT_HEAD, Role.AUDITOR])
def test_board_head_cannot_grant_any_role_to_themselves(board, unit, role):
    head = board["head"]
    term = CouncilTermFactory() if role == Role.COUNCIL_SECRETARY else None
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied, match="tự giao vai trò"):
        membership_grant(
            user=head,
            role=role,
            unit=unit if role == Role.UNIT_HEAD else None,
            council_term=term,
            actor=Actor(head),
        )
    assert not Membership.objects.filter(user=head, role=role).exists()
    assert AuditEvent.objects.count() == before


def test_self_grant_through_the_api_is_403_json(api, board):
    head = board["head"]
    response = api(head).post(
        "/api/memberships/", {"user": head.pk, "role": Role.CITY_CHAIRMAN}, format="json"
    )
    assert response.status_code == 403
    assert "tự giao vai trò" in response.json()["detail"]
    assert not Membership.objects.filter(user=head, role=Role.CITY_CHAIRMAN).exists()


def test_city_chairman_grant_waits_for_a_second_person_and_gives_no_power_until_then(board):
    newcomer = UserFactory(username="new.chairman")
    pending = membership_grant(user=newcomer, role=Role.CITY_CHAIRMAN, actor=Actor(board["head"]))
    assert pending.status == MembershipStatus.PENDING and pending.proposed_by == board["head"]
    assert find_authority(fresh(newcomer), [Role.CITY_CHAIRMAN], CITY) is None
    assert not has_role(fresh(newcomer), Role.CITY_CHAIRMAN)
    [proposed] = events("membership_proposed")
    assert proposed.actor == board["head"] and proposed.role == Role.BOARD_HEAD
    assert proposed.data["role"] == Role.CITY_CHAIRMAN

    approved = membership_approve(membership=pending, actor=Actor(board["officer"]))
    assert approved.status == MembershipStatus.ACTIVE and approved.approved_by == board["officer"]
    assert find_authority(fresh(newcomer), [Role.CITY_CHAIRMAN], CITY) is not None
    [approval] = events("membership_approved")
    assert approval.actor == board["officer"] and approval.role == Role.BOARD_OFFICER
    assert approval.data["proposed_by"] == "board.head"


def test_the_proposer_cannot_approve_their_own_proposal(board):
    pending = membership_grant(user=UserFactory(), role=Role.AUDITOR, actor=Actor(board["officer"]))
    with pytest.raises(PermissionDenied, match="người thứ hai"):
        membership_approve(membership=pending, actor=Actor(board["officer"]))
    pending.refresh_from_db()
    assert pending.status == MembershipStatus.PENDING and pending.approved_by is None
    assert not events("membership_approved")


def test_the_grantee_cannot_approve_their_own_grant(board):
    """The Board officer proposed for Board head cannot approve it, though they approve others' grants."""
    pending = membership_grant(user=board["officer"], role=Role.BOARD_HEAD, actor=Actor(board["head"]))
    with pytest.raises(PermissionDenied, match="chính mình"):
        membership_approve(membership=pending, actor=Actor(board["officer"]))
    assert not has_role(fresh(board["officer"]), Role.BOARD_HEAD)


def test_someone_outside_the_board_cannot_approve(board, person, unit):
    pending = membership_grant(user=UserFactory(), role=Role.CITY_CHAIRMAN, actor=Actor(board["head"]))
    unit_head = person("unit.head", Role.UNIT_HEAD, unit=unit)
    with pytest.raises(PermissionDenied):
        membership_approve(membership=pending, actor=Actor(unit_head))
    pending.refresh_from_db()
    assert pending.status == MembershipStatus.PENDING


def test_a_pending_council_seat_shows_no_council_term_until_approved(board):
    term = CouncilTermFactory()
    secretary = UserFactory(username="new.secretary")
    pending = membership_grant(
        user=secretary, role=Role.COUNCIL_SECRETARY, council_term=term, actor=Actor(board["officer"])
    )
    assert not may_view_council_term(fresh(secretary), term)
    assert find_authority(fresh(secretary), [Role.COUNCIL_SECRETARY], Scope(council_term_id=term.pk)) is None
    membership_approve(membership=pending, actor=Actor(board["head"]))
    assert may_view_council_term(fresh(secretary), term)
    assert find_authority(fresh(secretary), [Role.COUNCIL_SECRETARY], Scope(council_term_id=term.pk))


def test_approving_twice_is_409_and_changes_nothing(api, board, person):
    pending = membership_grant(user=UserFactory(), role=Role.AUDITOR, actor=Actor(board["head"]))
    first = api(board["officer"]).post(f"/api/memberships/{pending.pk}/approve/", {}, format="json")
    assert first.status_code == 200, first.content
    assert first.json()["status"] == "active" and first.json()["approved_by"] == "board.officer"
    other_officer = person("board.officer2", Role.BOARD_OFFICER)
    second = api(other_officer).post(f"/api/memberships/{pending.pk}/approve/", {}, format="json")
    assert second.status_code == 409
    assert "không còn chờ phê duyệt" in second.json()["detail"]
    pending.refresh_from_db()
    assert pending.approved_by == board["officer"]
    assert len(events("membership_approved")) == 1


def test_api_proposes_pending_and_the_proposer_approving_is_403(api, board):
    grantee = UserFactory()
    created = api(board["head"]).post(
        "/api/memberships/", {"user": grantee.pk, "role": Role.CITY_CHAIRMAN}, format="json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "pending" and created.json()["proposed_by"] == "board.head"
    own = api(board["head"]).post(f"/api/memberships/{created.json()['id']}/approve/", {}, format="json")
    assert own.status_code == 403 and own.json()["detail"]
    assert not has_role(fresh(grantee), Role.CITY_CHAIRMAN)


def test_a_refused_grant_never_takes_effect(api, board):
    pending = membership_grant(user=UserFactory(), role=Role.CITY_CHAIRMAN, actor=Actor(board["head"]))
    response = api(board["officer"]).post(
        f"/api/memberships/{pending.pk}/reject/", {"comment": "Chưa có quyết định bổ nhiệm"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert api(board["officer"]).post(f"/api/memberships/{pending.pk}/approve/", {}).status_code == 409
    assert not has_role(fresh(pending.user), Role.CITY_CHAIRMAN)
    [rejected] = events("membership_rejected")
    assert rejected.comment == "Chưa có quyết định bổ nhiệm"


def test_unit_roles_are_granted_by_the_board_head_at_once_not_by_an_officer(board, unit):
    officer = UserFactory()
    with pytest.raises(PermissionDenied):
        membership_grant(user=officer, role=Role.UNIT_OFFICER, unit=unit, actor=Actor(board["officer"]))
    membership = membership_grant(user=officer, role=Role.UNIT_OFFICER, unit=unit, actor=Actor(board["head"]))
    assert membership.status == MembershipStatus.ACTIVE
    assert may_view_unit(fresh(officer), unit)
    granted = events("membership_granted")[-1]
    assert granted.data["user"] == officer.username
    assert granted.actor == board["head"] and granted.role == Role.BOARD_HEAD


def test_the_system_actor_still_grants_directly(person):
    """Migrations and seeding (the tests' `grant` fixture too) grant without a second person."""
    chairman = person("chairman", Role.CITY_CHAIRMAN)
    assert has_role(chairman, Role.CITY_CHAIRMAN)


def test_ending_takes_effect_at_once_and_the_unit_is_no_longer_shown_in_the_same_transaction(
    board, unit, person, django_capture_on_commit_callbacks
):
    officer = person("unit.officer", Role.UNIT_OFFICER, unit=unit)
    membership = Membership.objects.get(user=officer)
    assert may_view_unit(fresh(officer), unit)
    with django_capture_on_commit_callbacks(execute=False):  # no hourly sync, no task after commit
        ended = membership_end(membership=membership, actor=Actor(board["head"]))
        assert not may_view_unit(fresh(officer), unit)
        assert find_authority(fresh(officer), [Role.UNIT_OFFICER], Scope(unit_id=unit.pk)) is None
    assert ended.status == MembershipStatus.ENDED and ended.ended_at is not None
    assert ended.valid_to == timezone.localdate()
    [event] = events("membership_ended")
    assert event.actor == board["head"] and event.data["changes"]["ended_at"][0] is None
    assert events("permission_revoked") == []  # nothing was copied, nothing to revoke (issue 13)


def test_ending_through_the_api_is_immediate_and_only_for_the_board_head(api, board, unit, person):
    officer = person("unit.officer", Role.UNIT_OFFICER, unit=unit)
    membership = Membership.objects.get(user=officer)
    refused = api(board["officer"]).post(f"/api/memberships/{membership.pk}/end/", {}, format="json")
    assert refused.status_code == 403
    response = api(board["head"]).post(f"/api/memberships/{membership.pk}/end/", {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "ended"
    assert not has_role(fresh(officer), Role.UNIT_OFFICER)
    again = api(board["head"]).post(f"/api/memberships/{membership.pk}/end/", {}, format="json")
    assert again.status_code == 409


def test_an_end_date_in_the_past_is_refused(board, unit, person):
    officer = person(
        "unit.officer", Role.UNIT_OFFICER, unit=unit, valid_from=timezone.localdate() - timedelta(30)
    )
    membership = Membership.objects.get(user=officer)
    with pytest.raises(ValidationError) as refused:
        membership_end(
            membership=membership,
            valid_to=timezone.localdate() - timedelta(days=1),
            actor=Actor(board["head"]),
        )
    assert "valid_to" in refused.value.message_dict
    membership.refresh_from_db()
    assert membership.valid_to is None and membership.ended_at is None


def test_nobody_delegates_a_role_to_themselves(board, unit, person):
    head = person("unit.head", Role.UNIT_HEAD, unit=unit)
    deputy = person("deputy")
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        delegation_create(
            delegator=head,
            delegate=deputy,
            role=Role.UNIT_HEAD,
            unit=unit,
            valid_from=today,
            valid_to=today + timedelta(days=3),
            actor=Actor(deputy),
        )


def test_a_pending_grant_cannot_be_delegated(board):
    grantee = UserFactory()
    membership_grant(user=grantee, role=Role.CITY_CHAIRMAN, actor=Actor(board["head"]))
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        delegation_create(
            delegator=grantee,
            delegate=UserFactory(),
            role=Role.CITY_CHAIRMAN,
            valid_from=today,
            valid_to=today + timedelta(days=3),
            actor=SYSTEM,
        )


# -- the role-grant page (/vai-tro/) ------------------------------------------------------------------------


def test_role_grant_page_propose_approve_end(client, board):
    grantee = UserFactory(username="new.auditor")
    client.force_login(board["head"])
    page = client.get("/vai-tro/")
    assert page.status_code == 200 and "Chờ phê duyệt" in page.content.decode()
    response = client.post("/vai-tro/", {"user": grantee.pk, "role": Role.AUDITOR})
    assert response.status_code == 302
    membership = Membership.objects.get(user=grantee)
    assert membership.status == MembershipStatus.PENDING
    assert "new.auditor" in client.get("/vai-tro/").content.decode()

    client.post(f"/vai-tro/{membership.pk}/phe-duyet/")  # the proposer: refused with a message
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PENDING

    client.force_login(board["officer"])
    client.post(f"/vai-tro/{membership.pk}/phe-duyet/")
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE and has_role(fresh(grantee), Role.AUDITOR)

    client.force_login(board["head"])
    client.post(f"/vai-tro/{membership.pk}/ket-thuc/")
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ENDED and not has_role(fresh(grantee), Role.AUDITOR)


def test_role_grant_page_refuses_self_grant_next_to_the_form_keeping_the_input(client, board):
    client.force_login(board["head"])
    response = client.post(
        "/vai-tro/", {"user": board["head"].pk, "role": Role.CITY_CHAIRMAN, "valid_to": "31/12/2030"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Không ai được tự giao vai trò cho chính mình." in body
    assert 'value="31/12/2030"' in body
    assert not Membership.objects.filter(user=board["head"], role=Role.CITY_CHAIRMAN).exists()


def test_role_grant_page_is_for_the_board_only(client, unit, person):
    client.force_login(person("unit.officer", Role.UNIT_OFFICER, unit=unit))
    assert client.get("/vai-tro/").status_code == 403


def test_the_admin_proposes_through_the_service_and_never_for_oneself(client):
    """An IT administrator's grant in the admin is a proposal like any other, recorded as "admin"."""
    superuser = UserFactory(username="it.admin", is_staff=True, is_superuser=True)
    grantee = UserFactory(username="future.chairman")
    client.force_login(superuser)
    data = {
        "role": Role.CITY_CHAIRMAN,
        "valid_from": timezone.localdate().strftime("%d/%m/%Y"),
        "_save": "Lưu",
    }
    assert client.post("/admin/workflows/membership/add/", {**data, "user": superuser.pk}).status_code == 403
    assert not Membership.objects.filter(user=superuser).exists()
    response = client.post("/admin/workflows/membership/add/", {**data, "user": grantee.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    membership = Membership.objects.get(user=grantee)
    assert membership.status == MembershipStatus.PENDING and membership.proposed_by == superuser
    [proposed] = events("membership_proposed")
    assert proposed.actor == superuser and proposed.role == "admin"
    assert not has_role(fresh(grantee), Role.CITY_CHAIRMAN)


def test_a_membership_ended_today_still_counts_for_the_days_before(board, unit, person):
    """Ending at once removes power from today on without rewriting the past (who was a member at
    yesterday's session)."""
    from workflows.roles import active_q, authorities_of

    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    officer = person("unit.officer", Role.UNIT_OFFICER, unit=unit, valid_from=today - timedelta(days=30))
    membership = membership_end(membership=Membership.objects.get(user=officer), actor=Actor(board["head"]))
    assert Membership.objects.filter(active_q(yesterday), pk=membership.pk).exists()
    assert not Membership.objects.filter(active_q(today), pk=membership.pk).exists()
    assert [a.role for a in authorities_of(fresh(officer), yesterday)] == [Role.UNIT_OFFICER]
    assert authorities_of(fresh(officer), today) == []
    assert membership.is_active_on(yesterday) and not membership.is_active_on(today)
