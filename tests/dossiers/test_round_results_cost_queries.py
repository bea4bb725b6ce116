"""The unit council's resolution and the round's submission read each set of rows once (issue 19: 500 rounds in
a year-end round): the results' delivery reads the round's lines once for the subjects, their terms and the
handler, and asks once per round whether a line still waits; the submission reads the session once (its lock)
and the lines once for the agenda's terms. Counted per table, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossiers import unit_round as rounds
from dossiers.models import RoundLineState, RoundState
from tests.dossiers import test_unit_round as unit_round_tests
from tests.dossiers.test_round_cost_queries import _imported
from tests.dossiers.test_unit_round import a_session
from workflows import engine
from workflows.audit import Actor
from workflows.lifecycle import internal_step

pytestmark = pytest.mark.django_db
unit_council = unit_round_tests.unit_council  # the unit's own council (a fixture)


def _reads(captured, table: str) -> int:
    """Statements that read rows of `table` (not those that name it in a subquery)."""
    return sum(1 for q in captured.captured_queries if q["sql"].startswith(f'SELECT "{table}".'))


def _voted(cast, unit_council):
    from councils import services as council_services

    unit_round = _imported(cast)
    session = a_session(unit_council, Actor(user=unit_council.secretary))
    rounds.round_submit(unit_round=unit_round, session=session, actor=Actor(user=cast.officer))
    engine.perform(session, "lock_agenda", user=unit_council.secretary)
    council_services.attendance_roster_record(
        session=session,
        statuses={member.pk: "present" for member in unit_council.voters},
        actor=unit_council.secretary,
    )
    engine.perform(session, "open", user=unit_council.chair)
    engine.perform(session, "open_voting", user=unit_council.secretary, data={"voting_mode": "all_items"})
    session.refresh_from_db()
    items = list(session.items.values_list("pk", flat=True))
    for member in unit_council.voters:
        council_services.ballot_sheet_cast(
            session=session, choices=dict.fromkeys(items, "agree"), actor=member
        )
    council_services.session_close_voting(session=session, user=unit_council.secretary)
    engine.perform(
        session, "draft_minutes", user=unit_council.secretary, data={"minutes_number": "01/BB-HĐTĐKT"}
    )
    engine.perform(session, "sign_minutes", user=unit_council.chair)
    session.refresh_from_db()
    return unit_round, session


def test_the_resolution_reads_the_rounds_lines_once(cast, unit_council):
    unit_round, session = _voted(cast, unit_council)
    with CaptureQueriesContext(connection) as captured:
        engine.perform(
            session,
            "issue_resolution",
            user=unit_council.chair,
            data={
                "resolution_number": "01/NQ-HĐTĐKT",
                "resolution_issued_on": session.planned_on.isoformat(),
            },
        )
    # the subjects' read (the delivery), their terms (one batch) and the engine's lock: the handler reads none again
    assert _reads(captured, "dossiers_unitroundline") == 3
    # the rounds with whether a line still waits (one statement) and the engine's lock; the condition asks nothing
    assert _reads(captured, "dossiers_unitround") == 2
    assert not any(
        q["sql"].startswith('SELECT 1 AS "a" FROM "dossiers_unitroundline"')
        for q in captured.captured_queries
    )
    unit_round.refresh_from_db()
    assert unit_round.state == RoundState.VOTED
    assert set(unit_round.lines.values_list("state", flat=True)) == {RoundLineState.PASSED}


def test_the_submission_reads_the_lines_once_for_the_agenda(cast, unit_council):
    unit_round = _imported(cast)
    session = a_session(unit_council, Actor(user=unit_council.secretary))
    with CaptureQueriesContext(connection) as captured:
        rounds.round_submit(unit_round=unit_round, session=session, actor=Actor(user=cast.officer))
    # the conditions and the submission (one, with the awards' rule versions) and the lines' lock: the agenda's
    # terms take the lines given (three before)
    assert _reads(captured, "dossiers_unitroundline") == 2
    unit_round.refresh_from_db()
    assert unit_round.state == RoundState.ON_AGENDA
    assert set(unit_round.lines.values_list("state", flat=True)) == {RoundLineState.ON_AGENDA}


def test_a_round_with_a_line_still_waiting_is_not_voted(cast, unit_council):
    """The handler's one read of whether a line waits: a line still on the agenda keeps the round on the agenda,
    and the transition's own condition still refuses it outside the handler."""
    from councils import services as council_services
    from dossiers.models import UnitRoundLine

    unit_round, session = _voted(cast, unit_council)
    kept = unit_round.lines.order_by("pk").last()
    items = [item for item in session.items.order_by("order") if item.subject_id != str(kept.pk)]
    council_services.agenda_results_deliver(items=items, actor=Actor(user=unit_council.chair))
    unit_round.refresh_from_db()
    assert unit_round.state == RoundState.ON_AGENDA
    assert UnitRoundLine.objects.get(pk=kept.pk).state == RoundLineState.ON_AGENDA
    with pytest.raises(engine.TransitionNotAllowed), internal_step(unit_round, role="system"):
        engine.perform(unit_round, "record_council_results", user=unit_council.chair)
    unit_round.refresh_from_db()
    assert unit_round.state == RoundState.ON_AGENDA
