"""Fault: the database connection dies in the middle of a transition (PostgreSQL's pg_terminate_backend).

The transition is stopped after its row lock, its state UPDATE and its audit INSERT have run, just before
COMMIT; the test then kills that backend from another connection. Nothing may survive of that transaction:
no half state, no orphan audit event, the chain head where it was, verify_audit clean; a retry on a fresh
connection (or a second client that was queued on the row lock) goes through.
"""

import threading
import time
from unittest import mock

import pytest
from django.db import DatabaseError, connection, connections

from dossiers.models import Dossier, DossierState
from tests.dossiers.helpers import ready_dossier
from workflows import audit, engine
from workflows.audit import history_for
from workflows.models import AuditChainHead, AuditEvent

from .conftest import chain_is_intact, postgres_only

pytestmark = [
    pytest.mark.postgres,
    postgres_only(),
    pytest.mark.django_db(transaction=True),
]

TIMEOUT = 60


class KillPoint:
    """Patches audit.record: the transition's writes run, then the thread reports its backend pid and
    waits, inside the still open transaction, until the test has killed that backend."""

    def __init__(self):
        self.inside = threading.Event()
        self.killed = threading.Event()
        self.pid = None
        self.original = audit.record
        self.armed = True

    def record(self, **kwargs):
        result = self.original(**kwargs)
        if self.armed:
            self.armed = False
            self.pid = connection.connection.info.backend_pid
            self.inside.set()
            assert self.killed.wait(TIMEOUT), "the test never killed the backend"
        return result


def terminate(pid) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        return cursor.fetchone()[0]


def backend_waits_for_a_lock(pid) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def submitted_dossier(cast):
    dossier = ready_dossier(cast)
    engine.perform(dossier, "submit", user=cast.head)
    return dossier


def snapshot(dossier):
    """The dossier's state, the events, and every chain's head: (the sequences added up, the rows), as a thread
    appends to the chain of its own (AUDIT_CHAINS)."""
    heads = tuple(AuditChainHead.objects.order_by("pk").values_list("pk", "sequence", "hash"))
    head = (sum(sequence for _chain, sequence, _hash in heads), heads)
    return Dossier.objects.get(pk=dossier.pk).state, AuditEvent.objects.count(), head


def test_a_killed_connection_leaves_nothing_behind_and_a_retry_on_a_fresh_connection_succeeds(cast):
    dossier = submitted_dossier(cast)
    before = snapshot(dossier)
    point = KillPoint()
    outcome = {}

    def doomed():
        try:
            engine.perform(dossier, "accept", user=cast.board, data={"comment": "Tiếp nhận"})
            outcome["result"] = "committed"
        except Exception as exc:  # the failure is the point; asserted below
            outcome["error"] = exc
        finally:
            connections.close_all()
        try:  # the same worker retries on a fresh connection
            outcome["retry"] = engine.perform(dossier, "accept", user=cast.board, data={"comment": "Thử lại"})
        finally:
            connections.close_all()

    with mock.patch.object(audit, "record", point.record):
        thread = threading.Thread(target=doomed)
        thread.start()
        assert point.inside.wait(TIMEOUT)
        # Inside the transaction: the event row and the state change exist, visible only to that backend.
        assert snapshot(dossier) == before
        assert terminate(point.pid)
        point.killed.set()
        thread.join(TIMEOUT)
    assert not thread.is_alive()

    assert "result" not in outcome
    assert isinstance(outcome["error"], DatabaseError)
    assert outcome["retry"].state == DossierState.ACCEPTED
    accepts = [(e.verb, e.comment) for e in history_for(dossier) if e.verb == "accept"]
    assert accepts == [("accept", "Thử lại")]  # no orphan event of the killed attempt
    state, count, head = snapshot(dossier)
    assert (state, count) == (DossierState.ACCEPTED, before[1] + 1)
    assert head[0] == before[2][0] + 1  # one head moved once, for the retry only
    assert chain_is_intact()


def test_a_client_queued_on_the_row_lock_goes_through_when_the_lock_holder_dies(cast):
    dossier = submitted_dossier(cast)
    before = snapshot(dossier)
    point = KillPoint()
    outcomes = {}
    waiter_pid = []

    def attempt(name, user, comment):
        try:
            if name == "waiter":
                connection.ensure_connection()
                waiter_pid.append(connection.connection.info.backend_pid)
            outcomes[name] = engine.perform(dossier, "accept", user=user, data={"comment": comment})
        except Exception as exc:  # asserted below
            outcomes[name] = exc
        finally:
            connections.close_all()

    with mock.patch.object(audit, "record", point.record):
        doomed = threading.Thread(target=attempt, args=("doomed", cast.board, "Lần đầu"))
        doomed.start()
        assert point.inside.wait(TIMEOUT)
        waiter = threading.Thread(target=attempt, args=("waiter", cast.board2, "Người thứ hai"))
        waiter.start()
        # Wait (bounded) until PostgreSQL reports the second client blocked on the first one's row lock.
        for _ in range(600):
            if waiter_pid and backend_waits_for_a_lock(waiter_pid[0]):
                break
            time.sleep(0.05)
        else:
            pytest.fail("the second client never queued on the row lock")
        assert terminate(point.pid)
        point.killed.set()
        doomed.join(TIMEOUT)
        waiter.join(TIMEOUT)
    assert not doomed.is_alive() and not waiter.is_alive()

    assert isinstance(outcomes["doomed"], DatabaseError)
    assert outcomes["waiter"].state == DossierState.ACCEPTED
    accepts = [(e.verb, e.comment) for e in history_for(dossier) if e.verb == "accept"]
    assert accepts == [("accept", "Người thứ hai")]
    state, count, _head = snapshot(dossier)
    assert (state, count) == (DossierState.ACCEPTED, before[1] + 1)
    assert chain_is_intact()
