"""The city dossier's schedule in one batch (every item in one councils.agenda_subjects_add, every line's
place_on_agenda in one engine.perform_many), with the checks of the one-line path; and the statement counts of
schedule, submit and decide pinned so that they do not grow with the dossier's lines (beyond the bulk part)."""

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from councils.models import AgendaItem
from councils.services import agenda_subject_add, session_create
from dossiers import services
from dossiers.models import AwardRecord, DossierNominee, DossierState, NomineeHold, NomineeState
from organisations.models import CouncilKind
from tests.factories import CouncilTermFactory
from workflows import engine
from workflows.audit import Actor, history_for
from workflows.models import Role

from .helpers import council_result, council_session, end_posting, ready_dossier, walk_to


def _dossier(cast, lines):
    return ready_dossier(cast, lines=[("bk-tp", None)] * lines)


def _appraised(cast, lines):
    return walk_to(cast, _dossier(cast, lines), "appraised")


def _items_of(dossier):
    ids = [str(pk) for pk in dossier.lines.values_list("pk", flat=True)]
    return AgendaItem.objects.filter(subject_id__in=ids)


def _statements(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def test_schedule_puts_every_line_on_the_agenda_once_with_its_own_item_and_events(cast):
    dossier = _appraised(cast, 3)
    session = council_session(cast)
    engine.perform(dossier, "schedule", user=cast.board, data={"session": session.pk})
    dossier.refresh_from_db()
    assert dossier.state == DossierState.ON_AGENDA
    items = {int(item.subject_id): item for item in _items_of(dossier)}
    assert len(items) == 3 and {item.session_id for item in items.values()} == {session.pk}
    for line in dossier.lines.all():
        assert line.state == NomineeState.ON_AGENDA
        assert line.council_item_ref == str(items[line.pk].pk)
        assert line.council_term_id == session.council_term_id
        verbs = [event.verb for event in history_for(line)]
        assert verbs.count("place_on_agenda") == 1
    for item in items.values():
        assert [event.verb for event in history_for(item)].count("agenda_item_added") == 1
    assert services._SCHEDULED_ITEMS.get() is None  # nothing left for a later placement to take


def test_a_single_line_can_still_be_placed_on_an_agenda_by_itself(cast):
    dossier = _appraised(cast, 2)
    line = dossier.lines.order_by("pk").first()
    session = council_session(cast)
    engine.perform(line, "place_on_agenda", user=cast.board, data={"session": session.pk})
    line.refresh_from_db()
    [item] = AgendaItem.objects.filter(subject_id=str(line.pk))
    assert line.state == NomineeState.ON_AGENDA and line.council_item_ref == str(item.pk)
    # the other line goes with the dossier's schedule, once
    engine.perform(dossier, "schedule", user=cast.board, data={"session": session.pk})
    assert _items_of(dossier).count() == 2
    assert AgendaItem.objects.filter(subject_id=str(line.pk)).count() == 1


def test_a_held_line_refuses_the_schedule_with_nothing_written(cast):
    dossier = _appraised(cast, 3)
    held = dossier.lines.order_by("pk")[1]
    NomineeHold.objects.create(
        nominee=held.nominee,
        kind="inspection",
        starts_on=timezone.localdate() - timedelta(days=1),
        source_document="Kết luận thanh tra số 9/KL-TTr",
        created_by=get_user_model().objects.create(username="board.recorder"),
    )
    with pytest.raises(engine.TransitionNotAllowed, match="đang bị tạm dừng xét khen thưởng"):
        engine.perform(dossier, "schedule", user=cast.board, data={"session": council_session(cast).pk})
    dossier.refresh_from_db()
    assert dossier.state == DossierState.APPRAISED
    assert set(dossier.lines.values_list("state", flat=True)) == {NomineeState.PROPOSED}
    assert not _items_of(dossier).exists()
    # the lines' own batch refuses the held line too, before any line is touched
    lines = list(dossier.lines.all())
    with pytest.raises(engine.BatchRefused) as refused:
        engine.perform_many(
            lines, "place_on_agenda", user=cast.board, data={"session": council_session(cast).pk}
        )
    assert [error["id"] for error in refused.value.errors] == [held.pk]
    assert "đang bị tạm dừng" in refused.value.errors[0]["detail"]
    assert set(dossier.lines.values_list("state", flat=True)) == {NomineeState.PROPOSED}
    assert not _items_of(dossier).exists()


def test_a_line_already_on_another_live_agenda_refuses_the_schedule_with_the_one_line_message(cast):
    dossier = _appraised(cast, 3)
    line = dossier.lines.order_by("position", "pk")[2]
    other = session_create(
        council_term=CouncilTermFactory(council__kind=CouncilKind.EMULATION),
        title="Phiên họp khác",
        planned_on=date(2024, 1, 25),
        actor=cast.board,
    )
    agenda_subject_add(session=other, subject=line, actor=Actor(cast.board, role=Role.BOARD_OFFICER))
    session = council_session(cast)
    with pytest.raises(engine.TransitionNotAllowed) as one:
        engine.perform(line, "place_on_agenda", user=cast.board, data={"session": session.pk})
    with pytest.raises(engine.TransitionNotAllowed) as batch:
        engine.perform(dossier, "schedule", user=cast.board, data={"session": session.pk})
    assert batch.value.message == one.value.message
    assert "đã có trong chương trình phiên họp «Phiên họp khác»" in str(batch.value.message)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.APPRAISED
    assert set(dossier.lines.values_list("state", flat=True)) == {NomineeState.PROPOSED}
    assert not AgendaItem.objects.filter(session=session).exists()


def _voted(cast, lines):
    dossier = walk_to(cast, _dossier(cast, lines), "on_agenda")
    for line in dossier.lines.all():
        council_result(line, True)
    dossier.refresh_from_db()
    engine.perform(dossier, "post", user=cast.board, data={"working_days": 10})
    end_posting(dossier)
    dossier.refresh_from_db()
    return dossier


def _decision(approved, rejected=()):
    return {
        "decision_number": "12/QĐ-UBND",
        "decision_date": "2024-01-15",
        "approved": ",".join(str(pk) for pk in approved),
        "rejected": ",".join(str(pk) for pk in rejected),
    }


def test_decide_approves_and_rejects_each_line_once_with_its_award_record(cast):
    dossier = _voted(cast, 3)
    first, second, third = dossier.lines.order_by("pk")
    engine.perform(dossier, "decide", user=cast.chairman, data=_decision([first.pk, third.pk], [second.pk]))
    states = dict(dossier.lines.values_list("pk", "state"))
    assert states == {first.pk: "approved", second.pk: "rejected", third.pk: "approved"}
    assert set(
        AwardRecord.objects.filter(dossier_nominee__dossier=dossier).values_list("dossier_nominee", flat=True)
    ) == {
        first.pk,
        third.pk,
    }
    record = AwardRecord.objects.get(dossier_nominee=first)
    assert (record.decision_number, record.year, record.nominee_id) == (
        "12/QĐ-UBND",
        dossier.year,
        first.nominee_id,
    )
    for line, verb in ((first, "approve"), (second, "reject"), (third, "approve")):
        assert [event.verb for event in history_for(line)].count(verb) == 1


def test_a_held_line_refuses_the_decision_with_nothing_written(cast):
    dossier = _voted(cast, 3)
    held = dossier.lines.order_by("pk")[2]
    NomineeHold.objects.create(
        nominee=held.nominee,
        kind="inspection",
        starts_on=timezone.localdate() - timedelta(days=1),
        source_document="Kết luận thanh tra số 9/KL-TTr",
        created_by=get_user_model().objects.create(username="board.recorder"),
    )
    pks = list(dossier.lines.values_list("pk", flat=True))
    with pytest.raises(engine.TransitionNotAllowed, match="đang bị tạm dừng xét khen thưởng"):
        engine.perform(dossier, "decide", user=cast.chairman, data=_decision(pks))
    dossier.refresh_from_db()
    assert dossier.state == DossierState.POSTED and not dossier.decision_number
    assert set(dossier.lines.values_list("state", flat=True)) == {NomineeState.PASSED}
    assert not AwardRecord.objects.filter(dossier_nominee__dossier=dossier).exists()


def _counts(cast, lines):
    """Statements of submit, schedule and decide for a dossier of `lines` lines."""
    dossier = _dossier(cast, lines)
    submit = _statements(lambda: engine.perform(dossier, "submit", user=cast.head))
    dossier.refresh_from_db()
    engine.perform(dossier, "accept", user=cast.board)
    for line in dossier.lines.all():
        engine.perform(line, "propose", user=cast.board, data={"comment": "Đủ tiêu chuẩn"})
    engine.perform(dossier, "sign_off", user=cast.board_head)
    dossier.refresh_from_db()
    session = council_session(cast)
    schedule = _statements(
        lambda: engine.perform(dossier, "schedule", user=cast.board, data={"session": session.pk})
    )
    for line in dossier.lines.all():
        council_result(line, True)
    dossier.refresh_from_db()
    engine.perform(dossier, "post", user=cast.board, data={"working_days": 10})
    end_posting(dossier)
    approved = ",".join(str(pk) for pk in dossier.lines.values_list("pk", flat=True))
    data = {"decision_number": "12/QĐ-UBND", "decision_date": "2024-01-15", "approved": approved}
    decide = _statements(lambda: engine.perform(dossier, "decide", user=cast.chairman, data=data))
    dossier.refresh_from_db()
    assert dossier.state == DossierState.DECIDED
    return submit, schedule, decide


def test_statement_counts_of_submit_schedule_and_decide_do_not_grow_with_the_lines_beyond_the_bulk_part(cast):
    submit2, schedule2, decide2 = _counts(cast, 2)
    submit10, schedule10, decide10 = _counts(cast, 10)
    # schedule: bounded; the only per-line statements left are councils.agenda_subjects_add's recusal look-up of
    # each item's proposing unit (selectors.automatic_recusals, 2 per item; councils could read them in one go)
    assert schedule10 - schedule2 <= 8 * 2, (schedule2, schedule10)
    assert schedule2 <= 42, schedule2
    # submit: each line's eligibility history and its duplicate-award check are still read line by line
    # (dossiers.eligibility / dossiers.integrity), once each now (the conditions are evaluated once)
    assert submit10 - submit2 <= 8 * 7, (submit2, submit10)
    assert submit2 <= 40, submit2
    # decide: the approved lines in one batch (each its award record and its row), the rejected in another
    assert decide10 - decide2 <= 8 * 2, (decide2, decide10)
    assert decide2 <= 26, decide2


def test_the_submission_reads_duplicate_awards_in_one_go_with_the_one_by_one_refusals(cast):
    from dossiers.integrity import duplicate_awards
    from dossiers.services import duplicate_awards_many
    from tests.factories import AwardRecordFactory

    from .helpers import YEAR, award

    dossier = ready_dossier(cast, lines=[("bk-tp", None)] * 3)
    _free, twice, recorded = (line.nominee for line in dossier.lines.order_by("position", "pk"))
    # the same achievements proposed again elsewhere and recorded after the lines were added
    other = services.dossier_create(
        unit=cast.unit, year=YEAR, occasion="annual", title="Hồ sơ khác", user=cast.officer
    )
    DossierNominee.objects.create(dossier=other, nominee=twice, award=award("bk-tp"), achievement_report="…")
    AwardRecordFactory(nominee=recorded, award=award("bk-tp"), year=YEAR)
    lines = list(dossier.lines.select_related("nominee", "award", "dossier"))
    expected = duplicate_awards(lines)
    assert len(expected) == 2
    with CaptureQueriesContext(connection) as captured:
        assert duplicate_awards_many(lines) == expected
    assert len(captured.captured_queries) == 2
    with pytest.raises(engine.TransitionNotAllowed) as refused:
        engine.perform(dossier, "submit", user=cast.head)
    assert all(message in str(refused.value.message) for message in expected)


def test_a_batch_of_dossiers_schedules_each_dossiers_lines_in_a_batch_within_the_batch(cast):
    """engine.perform_many over dossiers (the Board scheduling several at once): each dossier's schedule runs its
    lines' batch inside the outer batch (on PostgreSQL inside its pipeline, where the audit append cannot use
    COPY); every line on the agenda once, one event each, the chain intact."""
    from workflows import audit

    first, second = _appraised(cast, 2), _appraised(cast, 3)
    session = council_session(cast)
    engine.perform_many([first, second], "schedule", user=cast.board, data={"session": session.pk})
    for dossier in (first, second):
        dossier.refresh_from_db()
        assert dossier.state == DossierState.ON_AGENDA
        items = {int(item.subject_id): item for item in _items_of(dossier)}
        for line in dossier.lines.all():
            assert line.state == NomineeState.ON_AGENDA
            assert line.council_item_ref == str(items[line.pk].pk)
            assert [event.verb for event in history_for(line)].count("place_on_agenda") == 1
    assert not [step for step in audit.verify_chain() if isinstance(step, audit.ChainProblem)]
