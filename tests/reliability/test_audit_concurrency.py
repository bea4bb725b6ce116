"""Concurrent writers on PostgreSQL: each audit chain stays linear; one transition wins a race."""

import threading

import pytest
from django.db import connection, connections

from tests.factories import UnitFactory, UserFactory
from tests.testapp.models import Widget
from workflows import engine
from workflows.audit import SYSTEM, ChainProblem, chains, verify_chain
from workflows.models import AuditEvent, Role
from workflows.services import membership_grant

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL (set DATABASE_URL): SQLite serialises every writer, so there is no race"
        )


def run_in_threads(count, target):
    barrier = threading.Barrier(count)
    results, errors = [None] * count, [None] * count

    def worker(index):
        try:
            barrier.wait()
            results[index] = target(index)
        except Exception as exc:  # collected and asserted by the test
            errors[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def test_concurrent_transitions_on_many_objects_keep_each_chain_linear():
    unit = UnitFactory()
    head = UserFactory(username="head")
    membership_grant(user=head, role=Role.UNIT_HEAD, unit=unit, actor=SYSTEM)
    widgets = [Widget.objects.create(title=f"Hồ sơ {i}", unit=unit) for i in range(20)]
    before = AuditEvent.objects.count()

    results, errors = run_in_threads(20, lambda i: engine.perform(widgets[i], "submit", user=head))
    assert errors == [None] * 20
    assert AuditEvent.objects.count() == before + 20
    for chain in chains():  # the threads append to the chains of their own (AUDIT_CHAINS)
        events = AuditEvent.objects.filter(chain=chain).order_by("sequence")
        sequences = list(events.values_list("sequence", flat=True))
        assert sequences == list(range(1, len(sequences) + 1)), chain
    assert not [item for item in verify_chain() if isinstance(item, ChainProblem)]


def test_fifty_clients_fire_the_same_transition_and_exactly_one_wins():
    unit = UnitFactory()
    head = UserFactory(username="head")
    membership_grant(user=head, role=Role.UNIT_HEAD, unit=unit, actor=SYSTEM)
    widget = Widget.objects.create(title="Hồ sơ tranh chấp", unit=unit)
    before = AuditEvent.objects.count()

    results, errors = run_in_threads(50, lambda i: engine.perform(widget, "submit", user=head))
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert all(isinstance(e, engine.TransitionNotAllowed) for e in errors if e is not None)
    assert sum(e is not None for e in errors) == 49
    assert AuditEvent.objects.count() == before + 1
    widget.refresh_from_db()
    assert widget.state == "submitted"
