"""Session lifecycle through the engine: agenda, attendance and quorum, roles, postponement, the full audit trail."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from councils import selectors, services
from councils.models import AgendaItem, ItemState, Recusal, SessionState
from tests.factories import UserFactory
from workflows import engine
from workflows.audit import SYSTEM, history_for
from workflows.models import AuditEvent, Role
from workflows.services import membership_end

from .conftest import MEETING_DAY, attend, start_voting, threshold

pytestmark = pytest.mark.django_db


def test_only_the_board_creates_sessions(council):
    c = council()
    with pytest.raises(engine.ActionForbidden):
        services.session_create(
            council_term=c.term, title="Phiên họp", planned_on=MEETING_DAY, actor=c.members[0]
        )
    session = services.session_create(
        council_term=c.term, title="Phiên họp", planned_on=MEETING_DAY, actor=c.board
    )
    assert session.state == SessionState.PLANNED
    assert (session.quorum_numerator, session.quorum_denominator) == (2, 3)


def test_session_copies_the_councils_configured_rule(council):
    c = council(
        size=5, quorum_numerator=3, quorum_denominator=4, abstain_allowed=True, written_votes_allowed=False
    )
    session = services.session_create(
        council_term=c.term, title="Phiên họp", planned_on=MEETING_DAY, actor=c.board
    )
    assert (session.quorum_numerator, session.quorum_denominator) == (3, 4)
    assert session.abstain_allowed and not session.written_votes_allowed


def test_agenda_item_refused_once_the_agenda_is_locked(council, session_for):
    c = council(size=5)
    session = session_for(c)
    engine.perform(session, "lock_agenda", user=c.secretary)
    with pytest.raises(engine.TransitionNotAllowed) as error:
        services.agenda_item_add(
            session=session, subject=None, title="Mục thêm", threshold=threshold(), actor=c.secretary
        )
    assert "đã chốt" in error.value.message
    assert session.items.count() == 1


def test_lock_agenda_needs_an_item(council):
    c = council(size=5)
    session = services.session_create(
        council_term=c.term, title="Phiên họp", planned_on=MEETING_DAY, actor=c.board
    )
    engine.perform(session, "convene", user=c.secretary, data={"planned_on": MEETING_DAY.isoformat()})
    with pytest.raises(engine.TransitionNotAllowed) as error:
        engine.perform(session, "lock_agenda", user=c.secretary)
    assert "chưa có mục" in error.value.message


def test_members_cannot_run_the_secretarys_console(council, session_for):
    c = council(size=5)
    session = session_for(c)
    with pytest.raises(engine.ActionForbidden):
        engine.perform(session, "lock_agenda", user=c.members[0])
    with pytest.raises(engine.ActionForbidden):
        services.attendance_record(session=session, member=c.members[0], status="present", actor=c.members[0])


@pytest.mark.parametrize(("present", "opens"), [(13, False), (14, True), (15, True)])
def test_quorum_boundary_two_thirds_of_twenty_one(council, session_for, present, opens):
    c = council()
    session = session_for(c)
    engine.perform(session, "lock_agenda", user=c.secretary)
    attend(session, c, c.voters[:present], c.voters[present:])
    if opens:
        engine.perform(session, "open", user=c.chair)
        session.refresh_from_db()
        assert (session.state, session.present_count, session.member_count) == ("opened", present, 21)
    else:
        with pytest.raises(engine.TransitionNotAllowed) as error:
            engine.perform(session, "open", user=c.chair)
        assert "Chỉ 13/21 thành viên có mặt, chưa đủ 2/3 (14)" in error.value.message
        session.refresh_from_db()
        assert session.state == SessionState.AGENDA_LOCKED


def test_members_who_left_before_the_meeting_do_not_count(council, session_for):
    c = council(size=6)
    session = session_for(c)
    from workflows.models import Membership

    leaving = Membership.objects.get(user=c.members[0], council_term=c.term)
    membership_end(membership=leaving, valid_to=MEETING_DAY - timedelta(days=1), actor=SYSTEM)
    assert len(selectors.member_ids(session)) == 5
    engine.perform(session, "lock_agenda", user=c.secretary)
    with pytest.raises(ValidationError):
        services.attendance_record(session=session, member=c.members[0], status="present", actor=c.secretary)
    attend(session, c, [c.chair, c.standing, c.members[1], c.members[2]])  # 4/5 ≥ 2/3
    engine.perform(session, "open", user=c.chair)
    session.refresh_from_db()
    assert session.member_count == 5


def test_quorum_rule_is_configurable(council, session_for):
    c = council(size=4, quorum_numerator=1, quorum_denominator=1)
    session = session_for(c)
    engine.perform(session, "lock_agenda", user=c.secretary)
    attend(session, c, c.voters[:3], c.voters[3:])
    with pytest.raises(engine.TransitionNotAllowed):
        engine.perform(session, "open", user=c.chair)
    attend(session, c, c.voters)
    engine.perform(session, "open", user=c.chair)


def test_only_the_chair_opens_the_meeting(council, session_for):
    c = council(size=4)
    session = session_for(c)
    engine.perform(session, "lock_agenda", user=c.secretary)
    attend(session, c, c.voters)
    with pytest.raises(engine.ActionForbidden):
        engine.perform(session, "open", user=c.secretary)


def test_postpone_with_a_new_date_then_convene_again(council, session_for):
    c = council(size=4)
    session = session_for(c)
    new_date = MEETING_DAY + timedelta(days=14)
    with pytest.raises(ValidationError):
        engine.perform(session, "postpone", user=c.secretary, data={"new_date": new_date.isoformat()})
    engine.perform(
        session,
        "postpone",
        user=c.secretary,
        data={"new_date": new_date.isoformat(), "comment": "Chủ tịch bận công tác"},
    )
    session.refresh_from_db()
    assert (session.state, session.planned_on) == ("postponed", new_date)
    engine.perform(session, "convene", user=c.secretary, data={"planned_on": new_date.isoformat()})
    session.refresh_from_db()
    assert session.state == SessionState.CONVENED


def test_cancel_needs_a_reason_and_is_final(council, session_for):
    c = council(size=4)
    session = session_for(c)
    with pytest.raises(ValidationError):
        engine.perform(session, "cancel", user=c.chair)
    engine.perform(session, "cancel", user=c.chair, data={"comment": "Không đủ hồ sơ"})
    session.refresh_from_db()
    assert (session.state, session.cancel_reason) == ("cancelled", "Không đủ hồ sơ")
    with pytest.raises(engine.TransitionNotAllowed):
        engine.perform(session, "convene", user=c.secretary, data={"planned_on": MEETING_DAY.isoformat()})
    assert not services.council_session_is_finished(session)


def test_recusal_of_nominee_and_proposing_unit_is_recorded_and_audited(council, session_for, a_unit, grant):
    c = council(size=6)
    nominee = c.members[0]
    colleague = c.members[1]
    grant(colleague, Role.UNIT_OFFICER, unit=a_unit)
    session = session_for(c, unit=a_unit, nominee=nominee)
    engine.perform(session, "lock_agenda", user=c.secretary)
    item = session.items.get()
    assert dict(Recusal.objects.filter(item=item).values_list("member__username", "reason")) == {
        nominee.username: "nominee",
        colleague.username: "proposing_unit",
    }
    events = AuditEvent.objects.filter(verb="recusal_recorded", subject_id=str(item.pk))
    assert sorted(e.data["member"] for e in events) == sorted([nominee.username, colleague.username])


def test_whole_session_audit_trail(council, session_for):
    """Every step of one session, in order, each by the right person in the right role."""
    c = council(size=4)
    session = session_for(c)
    item = session.items.get()
    start_voting(session, c)
    for member in c.voters:
        services.ballot_cast(item=item, choice="agree", actor=member)
    services.session_close_voting(session=session, user=c.secretary)
    engine.perform(
        session,
        "draft_minutes",
        user=c.secretary,
        data={"minutes_number": "01/BB-HĐTĐKT", "minutes_text": "Hội đồng thống nhất."},
    )
    engine.perform(session, "sign_minutes", user=c.chair)
    engine.perform(
        session,
        "issue_resolution",
        user=c.chair,
        data={"resolution_number": "05/TTr-HĐTĐKT", "resolution_issued_on": MEETING_DAY.isoformat()},
    )
    session.refresh_from_db()
    assert session.state == SessionState.RESOLUTION_ISSUED
    assert services.council_session_is_finished(session)
    rows = [
        (e.verb, e.actor.username if e.actor else None, e.role, e.source_state, e.target_state)
        for e in history_for(session)
    ]
    sec, chair = c.secretary.username, c.chair.username
    assert rows == [
        ("session_created", c.board.username, Role.BOARD_OFFICER, "", "planned"),
        ("convene", sec, Role.COUNCIL_SECRETARY, "planned", "convened"),
        ("lock_agenda", sec, Role.COUNCIL_SECRETARY, "convened", "agenda_locked"),
        *[("attendance_recorded", sec, Role.COUNCIL_SECRETARY, "", "") for _ in c.voters],
        ("open", chair, Role.COUNCIL_CHAIR, "agenda_locked", "opened"),
        ("open_voting", sec, Role.COUNCIL_SECRETARY, "opened", "voting"),
        ("close_voting", sec, Role.COUNCIL_SECRETARY, "voting", "voting_closed"),
        ("draft_minutes", sec, Role.COUNCIL_SECRETARY, "voting_closed", "minutes_drafted"),
        ("sign_minutes", chair, Role.COUNCIL_CHAIR, "minutes_drafted", "minutes_signed"),
        ("issue_resolution", chair, Role.COUNCIL_CHAIR, "minutes_signed", "resolution_issued"),
    ]
    item_rows = [
        (e.verb, e.actor.username, e.data.get("member"), e.source_state, e.target_state)
        for e in history_for(item)
    ]
    assert item_rows == [
        ("agenda_item_added", sec, None, "", "pending"),
        *[("ballot_cast", m.username, m.username, "", "") for m in c.voters],
        ("close_ballot", sec, None, "pending", "counted"),
    ]
    for event in history_for(item).filter(verb="ballot_cast"):
        assert set(event.data) == {"member", "item"}  # never the choice
    item.refresh_from_db()
    assert (item.agree_count, item.base_count, item.passed) == (4, 4, True)
    assert item.result_explanation == "4/4 đồng ý = 100,0 % ≥ 90 % → đạt"


def test_close_voting_refused_while_a_paper_tally_awaits_confirmation(council, session_for):
    c = council(size=4)
    session = start_voting(session_for(c), c)
    item = session.items.get()
    engine.perform(
        item, "enter_tally", user=c.secretary, data={"agree": 4, "disagree": 0, "abstain": 0, "invalid": 0}
    )
    with pytest.raises(engine.TransitionNotAllowed) as error:
        services.session_close_voting(session=session, user=c.secretary)
    assert "chưa kiểm phiếu" in error.value.message
    item.refresh_from_db()
    assert item.state == ItemState.TALLY_ENTERED


def test_session_started_by_a_plan_activity_uses_the_emulation_councils_latest_term(council, unit):
    """The plan's "council_session" process: a planned session titled from the activity, linked to it."""
    from tests.testapp.models import Widget
    from workflows import processes

    c = council(size=4)
    activity = Widget.objects.create(title="Tổ chức họp Hội đồng TĐKT (Phiên thứ nhất)", unit=unit)
    kind = processes.for_kind("council_session")
    session = kind.start(activity, SYSTEM)
    assert (session.state, session.council_term, session.title) == ("planned", c.term, activity.title)
    assert session.source == activity
    assert not kind.is_finished(session)


def test_non_member_gets_nothing(council, session_for):
    c = council(size=4)
    session = session_for(c)
    stranger = UserFactory(username="stranger")
    assert not selectors.can_view_session(stranger, session)
    assert stranger.pk not in selectors.member_ids(session)
    assert AgendaItem.objects.filter(session=session).count() == 1
