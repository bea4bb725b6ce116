"""A unit's round reads each set of rows once per step (issue 19: 500 rounds in a year-end round): the import
reads the round's lines once (the people already in it and the last row number) and no collective of the unit
without a «Tập thể» row; the eligibility reads the nominees' holds once (their disciplines and the holds in force
today); the submission reads the round's lines once for its conditions and itself, and the council of the form's
session once; the decision reads the passed lines once. Counted per table, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossiers import unit_round as rounds
from dossiers.models import NomineeHold, RoundLineState, RoundState
from dossiers.models.nominees import HoldKind
from organisations.models import CouncilKind
from tests.dossiers import test_unit_round as unit_round_tests
from tests.dossiers.test_unit_round import YEAR, a_session, new_round, person_row, vote_and_issue, workbook
from workflows import engine
from workflows.audit import Actor

pytestmark = pytest.mark.django_db
unit_council = unit_round_tests.unit_council  # the unit's own council (a fixture)


def _selects(captured, table: str) -> int:
    return sum(
        1
        for q in captured.captured_queries
        if q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"]
    )


def _mentions(captured, text: str) -> int:
    return sum(1 for q in captured.captured_queries if text in q["sql"])


def _imported(cast, count=6):
    unit_round = new_round(cast)
    rows = rounds.read_rows(workbook([person_row(n) for n in range(1, count + 1)]))
    rounds.round_import(unit_round=unit_round, rows=rows, actor=Actor(user=cast.officer))
    return unit_round


def test_the_import_reads_the_rounds_lines_once_and_no_collective_without_the_sheet(cast):
    unit_round = _imported(cast, 3)
    rows = rounds.read_rows(workbook([person_row(n) for n in range(4, 7)]))
    with CaptureQueriesContext(connection) as captured:
        rounds.round_import(unit_round=unit_round, rows=rows, actor=Actor(user=cast.officer))
    assert (
        _selects(captured, "dossiers_unitroundline") == 1
    )  # three before: in the round, again, the last row
    assert _selects(captured, "dossiers_awardquota") == 0  # the catalogue's quotas are not the import's
    # no «Tập thể» sheet: the unit's tree of collectives (collective_units) is not read
    assert _mentions(captured, "organisations_unitparentperiod") == 0
    numbers = list(unit_round.lines.order_by("row_number").values_list("row_number", flat=True))
    assert numbers == [1, 2, 3, 4, 5, 6]  # the second file numbered after the first


def test_an_import_of_known_people_only_opens_no_savepoint_for_new_ones(cast):
    _imported(cast, 3)
    second = rounds.round_create(unit=cast.unit, year=YEAR, title="Đợt 2", actor=Actor(user=cast.officer))
    rows = rounds.read_rows(workbook([person_row(n, award="GK") for n in range(1, 4)]))
    with CaptureQueriesContext(connection) as captured:
        lines = rounds.round_import(unit_round=second, rows=rows, actor=Actor(user=cast.officer))
    assert len(lines) == 3
    assert _mentions(captured, 'INSERT INTO "dossiers_nominee"') == 0
    # the import's own savepoint only (inside the test's transaction): none for the new people, as there are none
    assert sum(1 for q in captured.captured_queries if q["sql"].startswith("SAVEPOINT")) == 1


def test_the_eligibility_reads_the_holds_once_and_still_refuses_a_held_person(cast):
    unit_round = _imported(cast, 3)
    line = unit_round.lines.order_by("row_number").first()
    NomineeHold.objects.create(
        nominee_id=line.nominee_id,
        kind=HoldKind.INSPECTION,
        starts_on=date(YEAR, 1, 1),
        source_document="QĐ 1/TTr",
        created_by=cast.officer,
    )
    with CaptureQueriesContext(connection) as captured:
        refused = rounds.round_eligibility(unit_round)
    assert _selects(captured, "dossiers_nomineehold") == 1  # two before: the disciplines, the holds in force
    assert list(refused) == [line.pk]
    assert "QĐ 1/TTr" in " ".join(refused[line.pk])


def test_the_submission_reads_the_lines_once_and_the_forms_council_once(cast, unit_council):
    unit_round = _imported(cast)
    session = a_session(unit_council, Actor(user=unit_council.secretary))
    with CaptureQueriesContext(connection) as captured:
        rounds.round_submit(unit_round=unit_round, session=session, actor=Actor(user=cast.officer))
    # the conditions and the submission (one, with the awards' rule versions, which the agenda's terms take), the
    # lines' lock (one): eight before, three before the terms took the lines given
    assert _selects(captured, "dossiers_unitroundline") == 2
    # the session's term and council: the agenda policy's own read only (councils.policies); the agenda's terms
    # take the council of the form's session (two more before)
    assert _selects(captured, "organisations_councilterm") + _selects(captured, "organisations_council") == 1
    unit_round.refresh_from_db()
    assert unit_round.state == RoundState.ON_AGENDA
    assert set(unit_round.lines.values_list("state", flat=True)) == {RoundLineState.ON_AGENDA}


def test_the_known_council_is_taken_only_inside_the_block(cast, unit_council, django_assert_num_queries):
    from councils.models import Session
    from organisations.models import CouncilTerm
    from tests.factories import CouncilFactory, CouncilTermFactory

    unit_round = new_round(cast)
    session = a_session(unit_council, Actor(user=unit_council.secretary))
    other_term = CouncilTermFactory(council=CouncilFactory(kind=CouncilKind.UNIT, unit=cast.other_unit))
    known = Session.objects.select_related("council_term__council").get(pk=session.pk)
    other_known = Session(council_term=CouncilTerm.objects.select_related("council").get(pk=other_term.pk))
    with rounds.known_councils(known), rounds.known_councils(other_known):
        with django_assert_num_queries(
            0
        ):  # copies of the sessions without their term: the councils are known
            assert (
                rounds.own_council_refusal(unit_round, Session(council_term_id=session.council_term_id))
                is None
            )
            refusal = rounds.own_council_refusal(unit_round, Session(council_term_id=other_term.pk))
    assert "không phải hội đồng thi đua – khen thưởng của" in refusal
    with django_assert_num_queries(2):  # outside the block: the term and its council are read again
        assert (
            rounds.own_council_refusal(unit_round, Session(council_term_id=session.council_term_id)) is None
        )


def test_the_decision_reads_the_passed_lines_once(cast, unit_council):
    unit_round = _imported(cast)
    session = a_session(unit_council, Actor(user=unit_council.secretary))
    rounds.round_submit(unit_round=unit_round, session=session, actor=Actor(user=cast.officer))
    vote_and_issue(session, unit_council)
    with CaptureQueriesContext(connection) as captured:
        rounds.round_decide(
            unit_round=unit_round,
            decision_number="12/QĐ-UBND",
            decision_date=session.planned_on,
            actor=Actor(user=cast.head),
        )
    # the conditions and the decision (one), the lines' lock (one): four before
    assert _selects(captured, "dossiers_unitroundline") == 2
    assert _selects(captured, "organisations_unit") == 0  # the unit's calendar came with the passed lines
    unit_round.refresh_from_db()
    assert unit_round.state == RoundState.DECIDED
    lines = list(unit_round.lines.select_related("award_record"))
    assert all(
        line.award_record is not None and line.award_record.nominee_id == line.nominee_id for line in lines
    )
    assert len({line.award_record_id for line in lines}) == len(lines)


def test_a_decision_refused_for_a_hold_changes_nothing(cast, unit_council):
    unit_round = _imported(cast, 2)
    session = a_session(unit_council, Actor(user=unit_council.secretary))
    rounds.round_submit(unit_round=unit_round, session=session, actor=Actor(user=cast.officer))
    vote_and_issue(session, unit_council)
    line = unit_round.lines.order_by("row_number").first()
    NomineeHold.objects.create(
        nominee_id=line.nominee_id,
        kind=HoldKind.COMPLAINT,
        starts_on=date(YEAR, 1, 1),
        source_document="Đơn 7/KN",
        created_by=cast.officer,
    )
    with pytest.raises(engine.TransitionNotAllowed, match="Đơn 7/KN"):
        rounds.round_decide(
            unit_round=unit_round,
            decision_number="12/QĐ-UBND",
            decision_date=session.planned_on,
            actor=Actor(user=cast.head),
        )
    unit_round.refresh_from_db()
    assert unit_round.state == RoundState.VOTED
    assert not unit_round.lines.filter(award_record__isnull=False).exists()


def test_the_history_of_every_line_is_one_statement_and_the_one_eligibility_reads(cast):
    from dossiers.eligibility import History
    from dossiers.models import YearlyRating
    from tests.dossiers.test_unit_round import award
    from tests.factories import AwardRecordFactory, InitiativeRecognitionFactory

    unit_round = _imported(cast, 3)
    nominees = [
        line.nominee for line in unit_round.lines.select_related("nominee__unit").order_by("row_number")
    ]
    for n, nominee in enumerate(nominees):
        AwardRecordFactory(nominee=nominee, award=award("ldtt"), year=YEAR - 1 - n)
        YearlyRating.objects.create(nominee=nominee, year=YEAR - 2, rating="HTT", status="confirmed")
        InitiativeRecognitionFactory(nominee=nominee, scope="grassroots", year=YEAR - 1)
        InitiativeRecognitionFactory(nominee=nominee, scope="grassroots", year=YEAR - 2)
    with CaptureQueriesContext(connection) as captured:
        rounds.round_eligibility(unit_round)
    history_reads = [
        q["sql"]
        for q in captured.captured_queries
        if "dossiers_yearlyrating" in q["sql"] or "dossiers_awardrecord" in q["sql"]
    ]
    assert (
        len(history_reads) == 1 and "UNION" in history_reads[0]
    )  # three before: awards, ratings, initiatives
    batch = rounds.histories_for(nominees)
    for nominee in nominees:
        one = History(nominee)
        one.disciplines()
        assert vars(batch[nominee.pk]) == vars(one)


def test_a_cccd_recorded_meanwhile_refuses_the_import_and_leaves_nothing(cast, monkeypatch):
    from dossiers.models import Nominee

    unit_round = new_round(cast)
    rows = rounds.read_rows(workbook([person_row(n) for n in range(1, 4)]))
    original = Nominee.objects.bulk_create

    def meanwhile(objs, *args, **kwargs):
        # someone else records the second person's CCCD between the import's read and its write
        twin = objs[1]
        original([Nominee(kind=twin.kind, unit=twin.unit, full_name="Người khác", cccd=twin.cccd)])
        return original(objs, *args, **kwargs)

    monkeypatch.setattr(Nominee.objects, "bulk_create", meanwhile)
    with pytest.raises(ValidationError, match="vừa được ghi cho người khác"):
        rounds.round_import(unit_round=unit_round, rows=rows, actor=Actor(user=cast.officer))
    monkeypatch.undo()
    # the whole import rolled back (the other person's write too: it ran inside it here), the connection usable
    assert not unit_round.lines.exists()
    assert not Nominee.objects.filter(cccd__in=[row.fields["cccd"] for row in rows]).exists()
