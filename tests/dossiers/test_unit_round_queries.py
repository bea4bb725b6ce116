"""A unit round's submission and decision ask their conditions once (issue 19: 500 rounds in a year-end round):
the eligibility and quotas of every line, and the holds on the passed lines, are read in engine.check and that
answer is the transition's, not read again as viewflow begins it. A refusal is still the same refusal."""

from __future__ import annotations

import pytest

from dossiers import integrity
from dossiers import unit_round as rounds
from dossiers.models import AwardQuota, RoundState
from tests.dossiers import test_unit_round as unit_round_tests
from tests.dossiers.test_unit_round import a_session, award, new_round, person_row, vote_and_issue, workbook
from tests.query_counting import counting as _counting
from workflows import engine
from workflows.audit import Actor

pytestmark = pytest.mark.django_db
unit_council = unit_round_tests.unit_council  # the unit's own council (a fixture)


def _imported(cast, count=6):
    unit_round = new_round(cast)
    rows = rounds.read_rows(workbook([person_row(n) for n in range(1, count + 1)]))
    rounds.round_import(unit_round=unit_round, rows=rows, actor=Actor(user=cast.officer))
    return unit_round


def test_the_import_reads_the_unit_awards_once_for_both_sheets(cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    unit_round = new_round(cast)
    rows = rounds.read_rows(workbook([person_row(n) for n in range(1, 7)]))
    with CaptureQueriesContext(connection) as captured:
        rounds.round_import(unit_round=unit_round, rows=rows, actor=Actor(user=cast.officer))
    catalogue = [
        q for q in captured.captured_queries if q["sql"].startswith('SELECT "dossiers_awardtype"."id"')
    ]
    assert len(catalogue) == 1  # the persons' and the collectives' choices from one read (two before)
    assert unit_round.lines.count() == 6


def test_the_submission_reads_eligibility_and_quotas_once(cast, unit_council, monkeypatch):
    unit_round = _imported(cast)
    session = a_session(unit_council, Actor(user=unit_council.secretary))
    asked = _counting(monkeypatch, rounds, "round_submission_refusals")
    rounds.round_submit(unit_round=unit_round, session=session, actor=Actor(user=cast.officer))
    assert len(asked) == 1
    unit_round.refresh_from_db()
    assert unit_round.state == RoundState.ON_AGENDA


def test_a_refused_submission_is_refused_with_the_computation_and_asked_afresh_next_time(cast, unit_council):
    quota = AwardQuota.objects.get(award=award("cstdcs"))
    unit_round = new_round(cast)
    rows = [person_row(n) for n in range(1, 17)] + [
        person_row(n, award="CSTĐCS", rating="HTXS") for n in range(1, 5)
    ]
    rows[:4] = [person_row(n, rating="HTXS") for n in range(1, 5)]
    rounds.round_import(
        unit_round=unit_round, rows=rounds.read_rows(workbook(rows)), actor=Actor(user=cast.officer)
    )
    session = a_session(unit_council, Actor(user=unit_council.secretary))
    AwardQuota.objects.filter(pk=quota.pk).update(is_active=True)
    with pytest.raises(engine.TransitionNotAllowed, match="Chiến sĩ thi đua cơ sở: 4/16 = 25 % > 15 %"):
        rounds.round_submit(unit_round=unit_round, session=session, actor=Actor(user=cast.officer))
    AwardQuota.objects.filter(pk=quota.pk).update(max_percent=25)
    rounds.round_submit(unit_round=unit_round, session=session, actor=Actor(user=cast.officer))
    unit_round.refresh_from_db()
    assert unit_round.state == RoundState.ON_AGENDA


def test_the_decision_reads_the_holds_once(cast, unit_council, monkeypatch):
    unit_round = _imported(cast)
    session = a_session(unit_council, Actor(user=unit_council.secretary))
    rounds.round_submit(unit_round=unit_round, session=session, actor=Actor(user=cast.officer))
    vote_and_issue(session, unit_council)
    asked = _counting(monkeypatch, integrity, "hold_refusals")
    rounds.round_decide(
        unit_round=unit_round,
        decision_number="12/QĐ-UBND",
        decision_date=session.planned_on,
        actor=Actor(user=cast.head),
    )
    assert len(asked) == 1
    unit_round.refresh_from_db()
    assert unit_round.state == RoundState.DECIDED
