"""Fifty API clients fire the same transition on the same dossier at the same moment (PostgreSQL, one
connection per client): exactly one succeeds, the other 49 get 409, one audit event, the successor state."""

import pytest
from rest_framework.test import APIClient

from dossiers.models import Dossier, DossierState
from tests.dossiers.helpers import ready_dossier
from workflows import engine
from workflows.audit import history_for
from workflows.models import AuditEvent

from .conftest import chain_is_intact, postgres_only, run_in_threads

pytestmark = [
    pytest.mark.postgres,
    postgres_only(),
    pytest.mark.django_db(transaction=True),
]

CLIENTS = 50


def test_fifty_api_clients_accept_the_same_dossier_and_exactly_one_wins(cast):
    dossier = ready_dossier(cast)
    engine.perform(dossier, "submit", user=cast.head)
    before = AuditEvent.objects.count()
    officers = [cast.board, cast.board2]
    url = f"/api/dossiers/{dossier.pk}/transitions/accept/"

    def accept(index):
        client = APIClient()
        client.force_authenticate(officers[index % 2])
        response = client.post(url, {"comment": f"Tiếp nhận (máy {index})"}, format="json")
        return response.status_code, response.json()

    results, errors = run_in_threads(CLIENTS, accept)

    assert errors == [None] * CLIENTS
    statuses = sorted(status for status, _body in results)
    assert statuses == [200] + [409] * (CLIENTS - 1)
    [winner] = [body for status, body in results if status == 200]
    assert winner["state"] == DossierState.ACCEPTED
    for status, body in results:
        if status == 409:
            assert body["code"] == "transition_not_allowed"
            assert "Ban TĐKT đã tiếp nhận" in body["detail"]  # the state it is in now, in Vietnamese
    assert AuditEvent.objects.count() == before + 1
    [event] = [e for e in history_for(dossier) if e.verb == "accept"]
    assert (event.source_state, event.target_state) == ("submitted", "accepted")
    assert event.comment.startswith("Tiếp nhận (máy ")  # one client's own comment, not a mix of two
    assert Dossier.objects.get(pk=dossier.pk).state == DossierState.ACCEPTED
    assert chain_is_intact()


def test_fifty_engine_callers_on_one_dossier_then_the_next_step_races_too(cast):
    """Two steps in a row, each raced by 50 callers of engine.perform: one winner per step, no step doubled."""
    dossier = ready_dossier(cast)
    before = AuditEvent.objects.count()

    for name, user, target in (("submit", cast.head, "submitted"), ("accept", cast.board, "accepted")):
        results, errors = run_in_threads(
            CLIENTS, lambda i, n=name, u=user: engine.perform(dossier, n, user=u)
        )
        assert sum(result is not None for result in results) == 1
        losers = [error for error in errors if error is not None]
        assert len(losers) == CLIENTS - 1
        assert all(isinstance(error, engine.TransitionNotAllowed) for error in losers)
        assert Dossier.objects.get(pk=dossier.pk).state == target

    verbs = [e.verb for e in history_for(dossier) if e.target_state]
    assert verbs == ["create", "submit", "accept"]
    assert AuditEvent.objects.count() == before + 2
    assert chain_is_intact()
