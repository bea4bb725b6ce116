"""End to end with the dossiers app: scheduled nominees become agenda items, the council votes, the issued
result moves each nominee (passed / failed) and the dossier on, through the engine."""

import pytest

from councils import services
from councils.models import AgendaItem
from dossiers.models import DossierState, NomineeState
from tests.dossiers.conftest import cast, media_root  # noqa: F401  (the dossier's people, uploads in a temp dir)
from tests.dossiers.helpers import ready_dossier, walk_to
from workflows import engine
from workflows.audit import history_for

from .conftest import MEETING_DAY, start_voting

pytestmark = pytest.mark.django_db


def test_council_vote_moves_dossier_nominees_on(council, cast):  # noqa: F811
    c = council(size=4)
    session = services.session_create(
        council_term=c.term, title="Phiên họp xét khen thưởng", planned_on=MEETING_DAY, actor=cast.board
    )
    engine.perform(session, "convene", user=c.secretary, data={"planned_on": MEETING_DAY.isoformat()})
    dossier = walk_to(cast, ready_dossier(cast, lines=(("bk-tp", None), ("bk-tp", None))), "appraised")
    engine.perform(dossier, "schedule", user=cast.board, data={"session": session.pk})
    first, second = AgendaItem.objects.filter(session=session).order_by("order")
    start_voting(session, c)
    for index, member in enumerate(c.voters):
        services.ballot_cast(item=first, choice="agree", actor=member)
        services.ballot_cast(item=second, choice="agree" if index == 0 else "disagree", actor=member)
    services.session_close_voting(session=session, user=c.secretary)
    engine.perform(session, "draft_minutes", user=c.secretary, data={"minutes_number": "02/BB-HĐTĐKT"})
    engine.perform(session, "sign_minutes", user=c.chair)
    engine.perform(
        session,
        "issue_resolution",
        user=c.chair,
        data={"resolution_number": "03/TTr-HĐTĐKT", "resolution_issued_on": MEETING_DAY.isoformat()},
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.subject.state, second.subject.state) == (NomineeState.PASSED, NomineeState.FAILED)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.VOTED
    [event] = [e for e in history_for(first.subject) if e.verb == "council_pass"]
    assert event.actor == c.chair
    assert event.data["council_result"]["explanation"] == first.result_explanation
