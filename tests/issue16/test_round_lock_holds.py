"""A hold recorded after a unit round's lines went onto the unit council's agenda refuses the agenda lock (the
council does not vote on a nominee under a hold), as for a city dossier's line; through the API a 409 naming the
nominee and the hold, the session unchanged; lifted, the same request locks. Checked for all of the session's
round lines in a fixed number of queries."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from councils.models import SessionState
from councils.registry import lock_refusals
from dossiers import services
from dossiers import unit_round as rounds
from tests.dossiers.test_unit_round import a_session, unit_council
from workflows import engine
from workflows.audit import Actor

from .test_holds_api import HELD, _hold, _imported, _problem

__all__ = ["unit_council"]


def _submitted(cast, unit_council, count=3):
    unit_round, lines = _imported(cast, count)
    session = a_session(unit_council, Actor(user=unit_council.secretary))
    rounds.round_submit(unit_round=unit_round, session=session, actor=Actor(user=cast.officer))
    return session, lines


def test_a_hold_after_submission_refuses_the_unit_councils_agenda_lock(cast, unit_council, api, db):
    session, lines = _submitted(cast, unit_council)
    held = lines[1].nominee
    hold = _hold(cast, held, kind="discipline", source="Quyết định kỷ luật số 9/QĐ-KL")
    try:
        engine.perform(session, "lock_agenda", user=unit_council.secretary)
    except engine.TransitionNotAllowed as refused:
        assert f"{held.full_name} {HELD}" in str(refused) and "9/QĐ-KL" in str(refused)
    else:
        raise AssertionError("the lock went through with a nominee under a hold")
    session.refresh_from_db()
    assert session.state == SessionState.CONVENED
    url = f"/api/v1/sessions/{session.pk}/transitions/lock_agenda/"
    problem = _problem(api(unit_council.secretary).post(url, {}, format="json"))
    assert f"{held.full_name} {HELD}" in problem["detail"]
    session.refresh_from_db()
    assert session.state == SessionState.CONVENED
    services.hold_lift(hold=hold, note="Quyết định kỷ luật bị hủy", actor=Actor(cast.board))
    done = api(unit_council.secretary).post(url, {}, format="json")
    assert done.status_code == 200, done.content
    session.refresh_from_db()
    assert session.state == SessionState.AGENDA_LOCKED


def test_the_round_lines_holds_are_read_in_a_fixed_number_of_queries(cast, unit_council, db):
    session, _lines = _submitted(cast, unit_council, 12)
    items = list(session.items.select_related("session").order_by("order", "pk"))
    assert len(items) == 12
    counts = []
    for some in (items[:3], items):
        with CaptureQueriesContext(connection) as queries:
            assert lock_refusals(some) == []
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
