"""The contract with councils: scheduling puts each proposed nominee on a session's agenda with the award's
threshold; the council's issued result comes back through the registered handler."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from councils.models import AgendaItem
from councils.registry import handler_for
from councils.services import session_create
from dossiers.models import DossierNominee, DossierState, NomineeState
from tests.factories import CouncilTermFactory
from workflows import engine
from workflows.audit import history_for

from .helpers import council_result, ready_dossier, walk_to

pytestmark = pytest.mark.django_db


def test_scheduling_adds_agenda_items_through_the_councils_service(cast):
    term = CouncilTermFactory()
    session = session_create(
        council_term=term, title="Phiên họp thứ nhất năm 2024", planned_on=date(2024, 1, 20), actor=cast.board
    )
    dossier = ready_dossier(cast, lines=(("cstd-tq", None), ("bk-tp", None)))
    walk_to(cast, dossier, "appraised")
    engine.perform(dossier, "schedule", user=cast.board, data={"session": session.pk})
    items = {item.subject_id: item for item in AgendaItem.objects.filter(session=session)}
    for line in dossier.lines.all():
        item = items[str(line.pk)]
        assert item.subject == line
        assert item.threshold_percent == line.award.vote_threshold_percent
        assert item.proposing_unit == cast.unit
        assert (line.state, line.council_term_id, line.council_item_ref) == (
            NomineeState.ON_AGENDA,
            term.pk,
            str(item.pk),
        )
    assert handler_for(dossier.lines.first()) is not None


def test_an_unknown_session_is_refused_and_nothing_moves(cast):
    dossier = walk_to(cast, ready_dossier(cast), "appraised")
    with pytest.raises(ValidationError):
        engine.perform(dossier, "schedule", user=cast.board, data={"session": 999999})
    dossier.refresh_from_db()
    assert dossier.state == DossierState.APPRAISED
    assert dossier.lines.get().state == NomineeState.PROPOSED


def test_the_service_refuses_a_line_without_a_session(cast):
    from dossiers.services import council_item_add
    from workflows.audit import Actor

    dossier = walk_to(cast, ready_dossier(cast), "appraised")
    line = dossier.lines.get()
    with pytest.raises(ValidationError) as refused:
        council_item_add(line=line, session=None, actor=Actor(cast.board))
    assert refused.value.message_dict == {"session": ["Chọn phiên họp hội đồng sẽ xét các đối tượng này."]}
    line.refresh_from_db()
    assert (line.state, line.council_term_id, line.council_item_ref) == (NomineeState.PROPOSED, None, "")
    assert not AgendaItem.objects.exists()


def test_the_council_result_is_recorded_with_the_chair_as_actor(cast, person):
    from workflows.models import Role

    dossier = walk_to(cast, ready_dossier(cast), "on_agenda")
    line = dossier.lines.get()
    term = CouncilTermFactory()
    chair = person("council.chair", Role.COUNCIL_CHAIR, council_term=term)
    council_result(line, True, actor_user=chair)
    event = [e for e in history_for(line) if e.verb == "council_pass"][0]
    assert (event.actor, event.data["council_result"]["explanation"]) == (chair, "19/21 đồng ý")
    dossier.refresh_from_db()
    assert dossier.state == DossierState.VOTED


def test_a_result_for_a_nominee_not_on_the_agenda_is_refused(cast):
    dossier = walk_to(cast, ready_dossier(cast), "accepted")
    line = DossierNominee.objects.get(dossier=dossier)
    with pytest.raises(engine.TransitionNotAllowed):
        council_result(line, True)
    assert history_for(line).count() == 0
