"""Workflows' own policies for user administration (role grants) and the read-only auditor
(workflows/policies.py): each admits its roles and refuses the others with its reason; an administrator keeps
user administration (recorded as "admin") and nothing else; the services, the role-grant page, the API and
the header ask them."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tests.factories import CouncilTermFactory, UserFactory
from workflows.audit import SYSTEM, Actor
from workflows.models import AuditEvent, Membership, MembershipStatus, Role
from workflows.policies import (
    may_manage_delegation,
    may_manage_grant_approval,
    may_manage_grant_proposal,
    may_manage_grant_rejection,
    may_manage_membership_end,
    may_manage_roles,
    may_only_read,
)
from workflows.services import membership_approve, membership_end, membership_grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(person, unit):
    return {
        "board_officer": person("board.officer", Role.BOARD_OFFICER),
        "board_head": person("board.head", Role.BOARD_HEAD),
        "unit_officer": person("unit.officer", Role.UNIT_OFFICER, unit=unit),
        "council_member": person("council.member", Role.COUNCIL_MEMBER, council_term=CouncilTermFactory()),
        "auditor": person("auditor", Role.AUDITOR),
        "chairman": person("chairman", Role.CITY_CHAIRMAN),
        "nobody": UserFactory(username="no.role"),
        "superuser": UserFactory(username="it.admin", is_superuser=True, is_staff=True),
    }


def _allowed(policy, cast, obj=None) -> set[str]:
    return {who for who, user in cast.items() if policy(user, obj)}


def test_the_role_grant_page_is_for_the_board_and_administrators(cast):
    assert _allowed(may_manage_roles, cast) == {"board_officer", "board_head", "superuser"}
    assert may_manage_roles(cast["unit_officer"]).reason == "Chỉ Ban TĐKT được quản lý việc giao vai trò."
    assert may_manage_roles(cast["superuser"]).role == "admin"
    assert may_manage_roles(cast["board_officer"]).role == Role.BOARD_OFFICER


def test_a_unit_role_is_granted_by_the_head_and_a_city_role_proposed_by_the_board(cast):
    assert _allowed(may_manage_grant_proposal, cast, Role.UNIT_OFFICER) == {"board_head", "superuser"}
    assert _allowed(may_manage_grant_proposal, cast, Role.CITY_CHAIRMAN) == {
        "board_officer",
        "board_head",
        "superuser",
    }
    refused = may_manage_grant_proposal(cast["board_officer"], Role.UNIT_OFFICER)
    assert refused.reason == "Bạn không có quyền giao vai trò này." and refused.status == 403


def test_approval_needs_a_second_person_of_the_board(cast):
    newcomer = UserFactory(username="newcomer")
    pending = membership_grant(user=newcomer, role=Role.AUDITOR, actor=Actor(cast["board_officer"]))
    assert pending.status == MembershipStatus.PENDING
    assert _allowed(may_manage_grant_approval, cast, pending) == {"board_head", "superuser"}
    assert (
        may_manage_grant_approval(cast["board_officer"], pending).reason
        == "Người đề xuất không được tự phê duyệt; cần một người thứ hai."
    )
    assert (
        may_manage_grant_approval(newcomer, pending).reason
        == "Không ai được tự phê duyệt vai trò của chính mình."
    )
    assert (
        may_manage_grant_approval(cast["chairman"], pending).reason
        == "Chỉ Ban TĐKT được phê duyệt việc giao vai trò."
    )
    # the proposer may withdraw it; whoever may approve may refuse it
    assert _allowed(may_manage_grant_rejection, cast, pending) == {"board_officer", "board_head", "superuser"}
    assert (
        may_manage_grant_rejection(cast["auditor"], pending).reason
        == "Chỉ Ban TĐKT được từ chối việc giao vai trò."
    )
    with pytest.raises(PermissionDenied, match="Người đề xuất không được tự phê duyệt"):
        membership_approve(membership=pending, actor=Actor(cast["board_officer"]))
    approved = membership_approve(membership=pending, actor=Actor(cast["superuser"]))
    assert approved.status == MembershipStatus.ACTIVE
    event = AuditEvent.objects.get(verb="membership_approved")
    assert event.actor == cast["superuser"] and event.role == "admin"


def test_ending_a_role_and_setting_up_a_delegation(cast):
    assert _allowed(may_manage_membership_end, cast) == {"board_head", "superuser"}
    assert (
        may_manage_membership_end(cast["board_officer"]).reason
        == "Chỉ Trưởng Ban TĐKT được kết thúc vai trò."
    )
    holder = cast["unit_officer"]
    assert _allowed(may_manage_delegation, cast, holder) == {"unit_officer", "board_head", "superuser"}
    assert (
        may_manage_delegation(cast["board_officer"], holder).reason
        == "Chỉ người giữ vai trò hoặc Trưởng Ban TĐKT được tạo ủy quyền."
    )
    membership = Membership.objects.get(user=holder)
    with pytest.raises(PermissionDenied, match="Chỉ Trưởng Ban TĐKT được kết thúc vai trò."):
        membership_end(membership=membership, actor=Actor(cast["board_officer"]))
    membership_end(membership=membership, actor=Actor(cast["board_head"]))
    event = AuditEvent.objects.get(verb="membership_ended")
    assert event.actor == cast["board_head"] and event.role == Role.BOARD_HEAD


def test_only_an_auditor_with_no_other_role_is_read_only(cast, person):
    assert _allowed(may_only_read, cast) == {"auditor"}
    both = person("auditor.and.head", Role.AUDITOR)
    membership_grant(user=both, role=Role.BOARD_OFFICER, actor=SYSTEM)
    assert not may_only_read(type(both).objects.get(pk=both.pk))


def test_the_page_the_api_and_the_header_follow_the_policies(client, api, cast, unit):
    client.force_login(cast["unit_officer"])
    assert client.get(reverse("memberships")).status_code == 403
    assert 'href="/vai-tro/"' not in client.get(reverse("home")).content.decode()
    client.force_login(cast["board_officer"])
    assert client.get(reverse("memberships")).status_code == 200
    assert 'href="/vai-tro/"' in client.get(reverse("home")).content.decode()
    response = api(cast["unit_officer"]).post(
        "/api/memberships/", {"user": cast["nobody"].pk, "role": Role.AUDITOR}, format="json"
    )
    assert response.status_code == 403 and response.json()["detail"]
    response = api(cast["board_officer"]).post(
        "/api/memberships/",
        {"user": cast["nobody"].pk, "role": Role.UNIT_OFFICER, "unit": unit.pk},
        format="json",
    )
    assert response.status_code == 403 and "không có quyền giao vai trò này" in response.json()["detail"]
    assert not Membership.objects.filter(user=cast["nobody"]).exists()
