"""The dossiers app on the one permission layer (issue 13): its named policies (dossiers/policies.py), a
superuser without a role refused by every one of them and on every transition through the API, and the object
grant of a Board officer assigned to a dossier (dossiers.handle_dossier): given, changed and taken back by the
Board head only, audited, followed by the engine (web and API), the inbox and the reminders."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from dossiers import policies, services
from dossiers.lifecycle import DossierLifecycle, DossierNomineeLifecycle
from dossiers.models import Dossier, DossierNominee, DossierState
from dossiers.reminders import assignees
from tests.dossiers.helpers import ready_dossier, walk_to
from workflows import engine
from workflows.audit import Actor
from workflows.models import AuditEvent, Role
from workflows.policies import REGISTRY, PolicyDenied, grantees
from workflows.selectors import inbox

pytestmark = pytest.mark.django_db

UNIT_REFUSAL = "Chỉ cán bộ TĐKT hoặc thủ trưởng của đơn vị được lập, sửa hồ sơ của đơn vị."
ACCEPT_REFUSAL = "Chỉ Chuyên viên Ban TĐKT có thẩm quyền mới được thực hiện «Tiếp nhận»."


@pytest.fixture
def cast2(cast, person, grant):
    cast.board2 = person("board.officer2", Role.BOARD_OFFICER)
    cast.board2.last_name, cast.board2.first_name = "Trần Thị", "Mai"
    cast.board2.save(update_fields=["last_name", "first_name"])
    cast.board.last_name, cast.board.first_name = "Lê Văn", "An"
    cast.board.save(update_fields=["last_name", "first_name"])
    cast.head_officer = person("board.head.officer", Role.BOARD_HEAD)
    grant(cast.head_officer, Role.BOARD_OFFICER)
    cast.root = get_user_model().objects.create_superuser("root", "root@example.vn", "secret-pass-123")
    return cast


def submitted(cast):
    return walk_to(cast, ready_dossier(cast), "submitted")


def assign(cast, dossier, officer, *, by=None):
    return services.dossier_assign_officer(dossier, officer, actor=Actor(by or cast.board_head))


def api_client(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


def web(user):
    client = Client()
    client.force_login(user)
    return client


# -- each policy: the right role allowed, the others refused with the reason ----------------------------------
ROLE_TABLE = [
    # policy, object, allowed, refused, reason
    (
        "may_prepare_for_unit",
        "unit",
        ("officer", "head"),
        ("officer2", "board", "chairman", "auditor"),
        UNIT_REFUSAL,
    ),
    (
        "may_create_dossier",
        None,
        ("officer", "head", "officer2"),
        ("board", "board_head", "chairman", "auditor"),
        "Chỉ cán bộ TĐKT hoặc thủ trưởng đơn vị được lập hồ sơ.",
    ),
    (
        "may_appraise_dossier",
        "dossier",
        ("board", "board_head"),
        ("officer", "head", "chairman", "auditor"),
        "Chỉ Ban TĐKT thẩm định hồ sơ.",
    ),
    (
        "may_review_declared_history",
        None,
        ("board", "board_head"),
        ("officer", "head", "chairman", "auditor"),
        "Chỉ Ban TĐKT được xác nhận quá trình đơn vị khai báo.",
    ),
    (
        "may_open_board_queues",
        None,
        ("board", "board_head"),
        ("officer", "chairman", "auditor"),
        "Chỉ Ban Thi đua - Khen thưởng.",
    ),
    (
        "may_assign_officer",
        "dossier",
        ("board_head",),
        ("board", "officer", "head", "chairman", "auditor"),
        "Chỉ Trưởng Ban Thi đua - Khen thưởng được giao hồ sơ cho chuyên viên.",
    ),
    (
        "may_accept_dossier",
        "dossier",
        ("board",),
        ("board_head", "officer", "head", "chairman", "auditor"),
        ACCEPT_REFUSAL,
    ),
    (
        "may_propose_nominee",
        "line",
        ("board",),
        ("board_head", "officer", "chairman", "auditor"),
        "Chỉ Chuyên viên Ban TĐKT có thẩm quyền mới được thực hiện «Đề nghị trình hội đồng».",
    ),
]


@pytest.mark.parametrize("name,target,allowed,refused,reason", ROLE_TABLE, ids=[row[0] for row in ROLE_TABLE])
def test_each_policy_allows_its_roles_and_refuses_the_others_with_its_reason(
    cast, name, target, allowed, refused, reason
):
    dossier = ready_dossier(cast)
    obj = {"unit": cast.unit, "dossier": dossier, "line": dossier.lines.first(), None: None}[target]
    entry = REGISTRY[name]
    assert entry.module == "dossiers.policies" and entry.description
    for who in allowed:
        assert entry(getattr(cast, who), obj).allowed, (name, who)
    for who in refused:
        decision = entry(getattr(cast, who), obj)
        assert not decision.allowed and decision.reason == reason, (name, who, decision)


def test_every_board_officer_step_of_both_machines_is_a_policy_of_the_assignment():
    steps = {policy.name for policy in policies.OFFICER_STEPS}
    declared = set()
    for lifecycle in (DossierLifecycle, DossierNomineeLifecycle):
        for method in lifecycle.transition_methods().values():
            for transition in method.get_transitions():
                if getattr(transition.permission, "module", "") == "dossiers.policies":
                    declared.add(transition.permission.name)
                    assert transition.permission.grant == policies.HANDLE_DOSSIER
    assert declared == steps and len(steps) == 11


# -- a superuser without a role -------------------------------------------------------------------------------
def test_a_superuser_without_a_role_is_refused_by_every_policy_of_the_app(cast2):
    dossier = submitted(cast2)
    line = dossier.lines.first()
    record = line.nominee.award_records.first()
    objects = {"may_prepare_for_unit": cast2.unit, "may_review_declared_history": record}
    mine = [entry for entry in REGISTRY.values() if entry.module == "dossiers.policies"]
    assert len(mine) >= 17
    for entry in mine:
        target = objects.get(entry.name) or (
            line if entry.name.endswith("_nominee") or "central" in entry.name else dossier
        )
        decision = entry(cast2.root, target)
        assert not decision.allowed and decision.status == 403 and decision.reason, entry.name


def _every_transition(lifecycle):
    for name, method in lifecycle.transition_methods().items():
        for transition in method.get_transitions():
            yield name, transition.source


def test_a_superuser_gets_403_json_on_every_transition_of_both_machines_through_the_api(cast2):
    dossier = submitted(cast2)
    line = dossier.lines.first()
    client = api_client(cast2.root)
    checked = 0
    for model, obj, lifecycle, url_name in (
        (Dossier, dossier, DossierLifecycle, "dossier-perform-transition"),
        (DossierNominee, line, DossierNomineeLifecycle, "dossier-line-perform-transition"),
    ):
        for name, source in _every_transition(lifecycle):
            model.objects.filter(pk=obj.pk).update(state=source)
            events = AuditEvent.objects.count()
            response = client.post(
                reverse(url_name, kwargs={"pk": obj.pk, "transition": name}),
                {"comment": "thử"},
                format="json",
            )
            assert response.status_code == 403, (name, source, response.content)
            assert response.json()["code"] == "permission_denied" and response.json()["detail"]
            assert AuditEvent.objects.count() == events
            checked += 1
    assert checked > 20


def test_a_superuser_cannot_assign_a_dossier(cast2):
    dossier = submitted(cast2)
    with pytest.raises(PolicyDenied):
        assign(cast2, dossier, cast2.board, by=cast2.root)
    response = api_client(cast2.root).post(
        reverse("dossier-assign", kwargs={"pk": dossier.pk}), {"officer": cast2.board.pk}, format="json"
    )
    assert response.status_code == 403
    assert not grantees(policies.HANDLE_DOSSIER, dossier).exists()


# -- the object grant: a Board officer assigned to a dossier -----------------------------------------------
def _grant_events(dossier):
    return list(
        AuditEvent.objects.filter(
            subject_id=str(dossier.pk), verb__in=("permission_granted", "permission_revoked")
        ).order_by("sequence")
    )


def test_assigning_reassigning_and_taking_back_are_grants_audited_on_the_dossier(cast2):
    dossier = submitted(cast2)
    assign(cast2, dossier, cast2.board)
    assert list(grantees(policies.HANDLE_DOSSIER, dossier)) == [cast2.board]
    assign(cast2, dossier, cast2.board)  # the same officer again: nothing changes, nothing recorded
    assign(cast2, dossier, cast2.board2)
    assert list(grantees(policies.HANDLE_DOSSIER, dossier)) == [cast2.board2]
    assign(cast2, dossier, None)
    assert not grantees(policies.HANDLE_DOSSIER, dossier).exists()
    events = _grant_events(dossier)
    assert [(e.verb, e.data["user"]) for e in events] == [
        ("permission_granted", "board.officer"),
        ("permission_revoked", "board.officer"),
        ("permission_granted", "board.officer2"),
        ("permission_revoked", "board.officer2"),
    ]
    assert all(e.actor == cast2.board_head and e.role == Role.BOARD_HEAD for e in events)
    assert events[1].data["reassigned_to"] == "board.officer2"
    assert all(e.data["permission"] == policies.HANDLE_DOSSIER for e in events)


def test_only_the_board_head_assigns_and_only_to_a_board_officer_of_today(cast2):
    dossier = submitted(cast2)
    for who in (cast2.board, cast2.officer, cast2.head, cast2.chairman, cast2.auditor):
        with pytest.raises(PolicyDenied) as refused:
            assign(cast2, dossier, cast2.board2, by=who)
        assert (
            refused.value.message == "Chỉ Trưởng Ban Thi đua - Khen thưởng được giao hồ sơ cho chuyên viên."
        )
    for not_an_officer in (cast2.officer, cast2.auditor, cast2.board_head, cast2.root):
        with pytest.raises(ValidationError) as invalid:
            assign(cast2, dossier, not_an_officer)
        assert invalid.value.message_dict == {"officer": ["Người này hiện không phải chuyên viên Ban TĐKT."]}
    draft = ready_dossier(cast2, title="Còn dự thảo")
    with pytest.raises(ValidationError) as invalid:
        assign(cast2, draft, cast2.board)
    assert "officer" in invalid.value.message_dict
    assert _grant_events(dossier) == [] and _grant_events(draft) == []


def test_an_assigned_dossier_is_its_officers_other_officers_are_refused_with_the_name(cast2):
    dossier = submitted(cast2)
    assign(cast2, dossier, cast2.board2)
    verdict = engine.check(DossierLifecycle(dossier), "accept", cast2.board)
    assert (verdict.allowed, verdict.status) == (False, 403)
    assert verdict.reason == "Hồ sơ này đã giao cho Trần Thị Mai xử lý."
    with pytest.raises(engine.ActionForbidden):
        engine.perform(
            dossier, "return_for_supplement", user=cast2.board, data={"comment": "x", "items": "y"}
        )
    # a Board head who is also a Board officer is not held back; the assigned officer acts
    assert engine.check(DossierLifecycle(dossier), "accept", cast2.head_officer).allowed
    engine.perform(dossier, "accept", user=cast2.board2)
    line = dossier.lines.get()
    refused = engine.check(DossierNomineeLifecycle(line), "propose", cast2.board)
    assert refused.reason == "Hồ sơ này đã giao cho Trần Thị Mai xử lý." and refused.status == 403
    engine.perform(line, "propose", user=cast2.board2, data={"comment": "Đủ tiêu chuẩn"})
    # taken back: any Board officer again
    assign(cast2, dossier, None)
    dossier.refresh_from_db()
    assert engine.check(DossierLifecycle(dossier), "return_for_supplement", cast2.board).status != 403


def test_an_unassigned_dossier_is_any_board_officers_as_before(cast2):
    dossier = submitted(cast2)
    for officer in (cast2.board, cast2.board2):
        assert engine.check(DossierLifecycle(dossier), "accept", officer).allowed
    assert engine.check(DossierLifecycle(dossier), "accept", cast2.board_head).reason == ACCEPT_REFUSAL


def test_the_api_follows_the_assignment_and_assigns_with_400_next_to_the_field(cast2):
    dossier = submitted(cast2)
    url = reverse("dossier-assign", kwargs={"pk": dossier.pk})
    head = api_client(cast2.board_head)
    response = head.post(url, {"officer": cast2.board2.pk}, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "dossier": dossier.pk,
        "officer": cast2.board2.pk,
        "officer_name": "Trần Thị Mai",
    }
    for wrong in (cast2.officer.pk, 999999, "abc", True, -1):
        response = head.post(url, {"officer": wrong}, format="json")
        assert response.status_code == 400, wrong
        assert response.json()["errors"] == {"officer": ["Người này hiện không phải chuyên viên Ban TĐKT."]}
    assert head.post(url, {}, format="json").status_code == 400
    assert api_client(cast2.board).post(url, {"officer": cast2.board.pk}, format="json").status_code == 403
    assert api_client(cast2.head).post(url, {"officer": cast2.board.pk}, format="json").status_code == 403
    # another unit's staff do not learn the dossier exists
    assert api_client(cast2.officer2).post(url, {"officer": cast2.board.pk}, format="json").status_code == 404
    assert list(grantees(policies.HANDLE_DOSSIER, dossier)) == [cast2.board2]

    transition = reverse("dossier-perform-transition", kwargs={"pk": dossier.pk, "transition": "accept"})
    refused = api_client(cast2.board).post(transition, {}, format="json")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Hồ sơ này đã giao cho Trần Thị Mai xử lý."
    assert api_client(cast2.board2).post(transition, {}, format="json").status_code == 200

    response = head.post(url, {"officer": None}, format="json")
    assert response.status_code == 200 and response.json()["officer"] is None


def test_the_board_head_assigns_on_the_dossier_page_and_the_board_reads_who(cast2):
    dossier = submitted(cast2)
    page = web(cast2.board_head).get(dossier.get_absolute_url())
    html = page.content.decode()
    assert 'id="assign-form"' in html and "Giao cho chuyên viên" in html
    assert "Trần Thị Mai" in html  # a choice of the select
    assert 'id="assign-form"' not in web(cast2.board).get(dossier.get_absolute_url()).content.decode()

    response = web(cast2.board_head).post(
        dossier.get_absolute_url(), {"assign": "1", "assign-officer": cast2.board2.pk}
    )
    assert response.status_code == 302
    assert list(grantees(policies.HANDLE_DOSSIER, dossier)) == [cast2.board2]
    shown = web(cast2.board).get(dossier.get_absolute_url()).content.decode()
    assert "Chuyên viên xử lý" in shown and "<strong>Trần Thị Mai</strong>" in shown
    assert "Chuyên viên xử lý" not in web(cast2.officer).get(dossier.get_absolute_url()).content.decode()

    # a person who is not a Board officer: 400, the reason next to the field, nothing changed
    bad = web(cast2.board_head).post(
        dossier.get_absolute_url(), {"assign": "1", "assign-officer": cast2.officer.pk}
    )
    assert bad.status_code == 400
    assert 'id="assign_officer_error"' in bad.content.decode()
    assert "Người này hiện không phải chuyên viên Ban TĐKT." in bad.content.decode()
    assert list(grantees(policies.HANDLE_DOSSIER, dossier)) == [cast2.board2]
    # a Board officer may not assign (403); another unit's officer does not see the dossier (404)
    assert (
        web(cast2.board)
        .post(dossier.get_absolute_url(), {"assign": "1", "assign-officer": cast2.board.pk})
        .status_code
        == 403
    )
    assert (
        web(cast2.officer2)
        .post(dossier.get_absolute_url(), {"assign": "1", "assign-officer": cast2.board.pk})
        .status_code
        == 404
    )
    # the web follows the assignment: the other officer has no "Tiếp nhận" button, the assignee has
    accept = f'href="{reverse("transition", args=["dossiers", "dossier", dossier.pk, "accept"])}?'
    assert accept not in web(cast2.board).get(dossier.get_absolute_url()).content.decode()
    assert accept in web(cast2.board2).get(dossier.get_absolute_url()).content.decode()


def test_the_inbox_lists_an_assigned_dossier_for_its_officer_only(cast2):
    dossier = submitted(cast2)

    def row(user):
        return next((task for task in inbox(user).tasks if task.subject == dossier), None)

    assert row(cast2.board) is not None and row(cast2.board2) is not None  # unassigned: every officer's
    assert sorted(row(cast2.board).actions) == ["Tiếp nhận", "Trả lại để bổ sung"]
    assign(cast2, dossier, cast2.board2)
    assert row(cast2.board) is None
    mine = row(cast2.board2)
    assert mine is not None and mine.note == "Được giao cho bạn"
    assert sorted(mine.actions) == ["Tiếp nhận", "Trả lại để bổ sung"]
    assert row(cast2.head_officer) is not None  # the Board head who is also an officer sees it


def test_the_inbox_reads_a_fixed_number_of_queries_with_assignments(cast2, django_assert_max_num_queries):
    first = submitted(cast2)
    inbox(cast2.board2)  # warm the role cache of the user object
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        inbox(cast2.board2)
    for index in range(3):
        assign(cast2, walk_to(cast2, ready_dossier(cast2, title=f"Hồ sơ {index}"), "submitted"), cast2.board2)
    assign(cast2, first, cast2.board)
    with CaptureQueriesContext(connection) as many:
        tasks = inbox(cast2.board2).tasks
    assert len([t for t in tasks if isinstance(t.subject, Dossier)]) == 3
    assert len(many.captured_queries) == len(few.captured_queries)


def test_reminders_and_notifications_reach_the_assigned_officer_only(cast2):
    dossier = submitted(cast2)
    assert {user.pk for user in assignees(dossier)} == {
        cast2.board.pk,
        cast2.board2.pk,
        cast2.head_officer.pk,
    }
    assign(cast2, dossier, cast2.board2)
    assert [user.pk for user in assignees(dossier)] == [cast2.board2.pk]
    engine.perform(dossier, "accept", user=cast2.board2)
    line = DossierNominee.objects.get(dossier=dossier)
    event = AuditEvent.objects.filter(verb="accept").latest("sequence")
    recipients = DossierNomineeLifecycle(line).recipients(event)
    assert [user.pk for user in recipients] == [cast2.board2.pk]
    assert Dossier.objects.get(pk=dossier.pk).state == DossierState.ACCEPTED
