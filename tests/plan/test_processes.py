"""Activities that start processes: the cluster/block division, activity 32's next-year plan, a test-only kind."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from emulation import services as emulation_services
from emulation.models import Division, DivisionState, EmulationGroup, GroupKind
from organisations.models import Unit
from plan.models import ActivityState, Plan
from tests.testapp.models import Widget, WidgetState
from workflows import engine, processes
from workflows.audit import SYSTEM, Actor, history_for
from workflows.models import Role

pytestmark = pytest.mark.django_db

EVIDENCE = {"evidence_number": "08/TB-HĐTĐKT", "evidence_date": "2023-03-20"}


@pytest.fixture
def division_activity(plan):
    return plan.activities.get(number=8)


def test_starting_the_division_activity_creates_the_years_division_linked_both_ways(
    division_activity, board_officer
):
    engine.perform(division_activity, "start", user=board_officer)
    division_activity.refresh_from_db()
    division = Division.objects.get(year=2023)
    assert division_activity.process == division and division.activity == division_activity
    assert division.state == DivisionState.DRAFT
    assert [e.verb for e in history_for(division)] == ["created"]
    start_event = list(history_for(division_activity))[-1]
    assert start_event.data["changes"]["process_id"] == ["", str(division.pk)]


def test_completion_is_blocked_until_the_division_is_announced(
    api, division_activity, board_officer, board_head
):
    engine.perform(division_activity, "start", user=board_officer)
    division_activity.refresh_from_db()
    division = division_activity.process
    url = f"/api/activities/{division_activity.pk}/transitions/complete/"
    response = api(board_officer).post(url, EVIDENCE, format="json")
    assert response.status_code == 409
    assert "chưa kết thúc" in response.json()["detail"]

    # Announcing an empty division is refused too (409), then the Board drafts one cluster.
    with pytest.raises(engine.TransitionNotAllowed, match="Chưa có Cụm, Khối"):
        engine.perform(
            division,
            "announce",
            user=board_head,
            data={"document_number": "08/TB", "announced_on": "2023-03-15"},
        )
    members = list(Unit.objects.filter(code__in=["ban-tdkt", "so-gd-dt", "so-tt-tt"]).order_by("code"))
    emulation_services.group_add(
        division=division,
        kind=GroupKind.BLOCK,
        name="Khối Văn hóa - Xã hội",
        members=members,
        head_unit=members[1],
        deputy_unit=members[2],
        actor=Actor(board_officer, Role.BOARD_OFFICER),
    )
    with pytest.raises(engine.ActionForbidden):
        engine.perform(
            division,
            "announce",
            user=board_officer,
            data={"document_number": "08/TB", "announced_on": "2023-03-15"},
        )
    engine.perform(
        division,
        "announce",
        user=board_head,
        data={"document_number": "08/TB-HĐTĐKT", "announced_on": "2023-03-15"},
    )
    response = api(board_officer).post(url, {}, format="json")
    assert response.status_code == 200, response.content
    division_activity.refresh_from_db()
    assert division_activity.state == ActivityState.COMPLETED
    assert EmulationGroup.objects.get(year=2023).head_unit.code == "so-gd-dt"


def test_a_unit_belongs_to_one_group_a_year_and_heads_are_members(division_activity, board_officer):
    engine.perform(division_activity, "start", user=board_officer)
    division = Division.objects.get(year=2023)
    actor = Actor(board_officer, Role.BOARD_OFFICER)
    a, b, c = Unit.objects.filter(code__in=["ban-tdkt", "so-gd-dt", "so-tt-tt"]).order_by("code")
    emulation_services.group_add(
        division=division, kind=GroupKind.CLUSTER, name="Cụm 1", members=[a, b], head_unit=a, actor=actor
    )
    with pytest.raises(ValidationError) as error:
        emulation_services.group_add(
            division=division, kind=GroupKind.CLUSTER, name="Cụm 2", members=[b, c], head_unit=a, actor=actor
        )
    assert set(error.value.message_dict) == {"members", "head_unit"}


def test_a_division_drafted_beforehand_is_linked_not_duplicated(division_activity, board_officer):
    drafted = emulation_services.division_open(year=2023, actor=Actor(board_officer, Role.BOARD_OFFICER))
    engine.perform(division_activity, "start", user=board_officer)
    division_activity.refresh_from_db()
    assert Division.objects.count() == 1 and division_activity.process == drafted
    drafted.refresh_from_db()
    assert drafted.activity == division_activity


@pytest.fixture
def fake_kind(monkeypatch):
    """A test-only process for conferences: a Widget that is finished once approved."""
    monkeypatch.setattr(processes, "_KINDS", dict(processes._KINDS))

    def start(activity, actor):
        return Widget.objects.create(
            title=f"Hội nghị của hoạt động {activity.number}", unit=activity.lead_unit
        )

    processes.register(
        "conference",
        start=start,
        is_finished=lambda w: w.state == WidgetState.APPROVED,
        label="Quy trình thử",
    )


def test_a_registered_kind_is_started_and_blocks_completion(
    fake_kind, plan, board_officer, board_head, person
):
    activity = plan.activities.get(number=7)
    engine.perform(activity, "start", user=board_officer)
    activity.refresh_from_db()
    widget = activity.process
    assert isinstance(widget, Widget) and widget.title == "Hội nghị của hoạt động 7"
    with pytest.raises(engine.TransitionNotAllowed, match="chưa kết thúc"):
        engine.perform(activity, "complete", user=board_officer, data=EVIDENCE)
    engine.perform(widget, "submit", user=person("head", Role.UNIT_HEAD, unit=activity.lead_unit))
    engine.perform(widget, "approve", user=board_head, data={"score": 90})
    engine.perform(activity, "complete", user=board_officer)
    activity.refresh_from_db()
    assert activity.state == ActivityState.COMPLETED and activity.evidence_number == ""


def test_kinds_without_a_process_start_nothing(plan, board_officer):
    activity = plan.activities.get(number=7)  # conference: no process registered outside tests
    engine.perform(activity, "start", user=board_officer)
    activity.refresh_from_db()
    assert not activity.has_process


def test_activity_32_drafts_next_years_plan_and_waits_for_it_to_be_issued(plan, board_officer, board_head):
    from plan import services

    activity = plan.activities.get(number=32)
    engine.perform(activity, "start", user=board_officer)
    activity.refresh_from_db()
    draft = activity.process
    assert isinstance(draft, Plan) and draft.year == 2024 and not draft.is_issued
    assert draft.activities.count() == 32
    with pytest.raises(engine.TransitionNotAllowed):
        engine.perform(activity, "complete", user=board_officer, data=EVIDENCE)
    services.plan_issue(
        plan=draft,
        number="250/KH-UBND",
        issued_on=date(2023, 12, 22),
        actor=Actor(board_head, Role.BOARD_HEAD),
    )
    engine.perform(activity, "complete", user=board_officer)
    activity.refresh_from_db()
    assert activity.state == ActivityState.COMPLETED


def test_copying_a_plan_shifts_dates_and_years(plan, board_officer):
    from plan.services import plan_copy_to_next_year

    copy = plan_copy_to_next_year(plan=plan, actor=Actor(board_officer, Role.BOARD_OFFICER))
    assert copy.year == 2024 and copy.copied_from == plan and copy.number == ""
    assert "năm 2024" in copy.title
    by_number = {a.number: a for a in copy.activities.all()}
    assert len(by_number) == 32
    assert by_number[7].due_date == date(2024, 2, 29)  # end of February stays end of February (leap year)
    assert by_number[7].due_text == "cuối tháng 02 năm 2024"
    assert by_number[16].due_date == date(2024, 6, 11)
    assert by_number[1].content.endswith("năm 2023 và ký kết giao ước thi đua năm 2024")
    assert by_number[32].content.endswith("năm 2025")
    assert all(a.state == ActivityState.PLANNED for a in by_number.values())
    assert by_number[13].coordinating_units.get().code == "ban-tdkt"
    assert [e.verb for e in history_for(copy)] == ["plan_copied"]
    with pytest.raises(ValidationError, match="2024"):
        plan_copy_to_next_year(plan=plan, actor=Actor(board_officer, Role.BOARD_OFFICER))


def test_only_the_board_copies_a_plan(plan, person):
    from django.core.exceptions import PermissionDenied

    from plan.services import plan_copy_to_next_year

    officer = person("unit.officer", Role.UNIT_OFFICER, unit=Unit.objects.get(code="so-gd-dt"))
    with pytest.raises(PermissionDenied):
        plan_copy_to_next_year(plan=plan, actor=Actor(officer, Role.UNIT_OFFICER))
    with pytest.raises(PermissionDenied):
        plan_copy_to_next_year(plan=plan, actor=SYSTEM)


def test_year_shifting_keeps_anniversary_dates():
    from plan.services import shift_years_in_text

    assert (
        shift_years_in_text("kỷ niệm 20 năm (02/01/2004-02/01/2024), năm 2023", 2023)
        == "kỷ niệm 20 năm (02/01/2004-02/01/2024), năm 2024"
    )
    assert (
        shift_years_in_text("năm 2022; tháng 02/2023; Kế hoạch năm 2024", 2023)
        == "năm 2023; tháng 02/2024; Kế hoạch năm 2025"
    )


def test_a_council_session_activity_leads_to_a_real_session(api, plan, board_officer):
    from councils.models import Session
    from tests.factories import CouncilTermFactory

    CouncilTermFactory(starts_on=date(2021, 7, 1))
    activity = plan.activities.get(number=6)
    response = api(board_officer).post(f"/api/activities/{activity.pk}/transitions/start/")
    assert response.status_code == 200, response.content
    activity.refresh_from_db()
    session = activity.process
    assert isinstance(session, Session) and Session.objects.count() == 1
    assert response.json()["process"]["type"] == "councils.session"
    response = api(board_officer).post(
        f"/api/activities/{activity.pk}/transitions/complete/", EVIDENCE, format="json"
    )
    assert response.status_code == 409 and "chưa kết thúc" in response.json()["detail"]


def test_starting_a_council_session_without_a_council_term_is_refused(api, plan, board_officer):
    activity = plan.activities.get(number=12)
    response = api(board_officer).post(f"/api/activities/{activity.pk}/transitions/start/")
    assert response.status_code == 400
    activity.refresh_from_db()
    assert activity.state == ActivityState.PLANNED and not activity.has_process
