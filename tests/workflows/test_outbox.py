"""Notifications read the audit log as an outbox: nothing lost while the worker is down, nothing doubled."""

import pytest
from django.db import transaction

from tests.testapp.models import Widget
from workflows import engine
from workflows.audit import (
    SYSTEM,
    ChainProblem,
    advance_positions,
    after_positions,
    record,
    use_chain,
    verify_chain,
)
from workflows.models import AuditChainHead, AuditEvent, Notification, OutboxCursor, Role
from workflows.tasks import dispatch_notifications

pytestmark = pytest.mark.django_db


def test_events_wait_for_the_worker_and_are_notified_exactly_once(settings, unit, person):
    settings.NOTIFICATIONS_DISPATCH_ON_COMMIT = False  # a broker is configured, but the worker is down
    head = person("head", Role.UNIT_HEAD, unit=unit)
    officer = person("officer", Role.BOARD_OFFICER)
    widgets = [Widget.objects.create(title=f"Hồ sơ {i}", unit=unit) for i in range(3)]
    for widget in widgets:
        engine.perform(widget, "submit", user=head)
    assert Notification.objects.count() == 0
    assert dispatch_notifications() == 3  # the worker comes back
    assert Notification.objects.filter(recipient=officer).count() == 3
    assert dispatch_notifications() == 0
    OutboxCursor.objects.update(positions={})  # even a lost cursor does not double anything
    assert dispatch_notifications() == 0
    assert Notification.objects.count() == 3


def test_the_chain_head_rebuilds_itself_from_the_chain(unit):
    with transaction.atomic():
        record(subject=unit, actor=SYSTEM, verb="first")
    AuditChainHead.objects.all().delete()
    with transaction.atomic():
        event = record(subject=unit, actor=SYSTEM, verb="second")
    assert event.sequence == 2
    assert not [item for item in verify_chain() if isinstance(item, ChainProblem)]


# --- the outbox's read across chains (audit.after_positions) ----------------------------------------------


def note(subject, chain: int, verb: str = "note") -> int:
    with use_chain(chain), transaction.atomic():
        return record(subject=subject, actor=SYSTEM, verb=verb).pk


def batch(positions: dict, limit: int | None = 100) -> list[tuple[int, int, int]]:
    """(id, chain, sequence) of what a reader at `positions` reads: its batch, or (limit None) all it has left."""
    events = AuditEvent.objects.filter(after_positions(positions, limit=limit)).order_by("id")
    return list(events.values_list("id", "chain", "sequence")[:limit])


def test_a_reader_that_knows_every_chain_reads_its_batch_in_one_statement(unit, django_assert_num_queries):
    for chain in (1, 2, 3, 2):
        note(unit, chain)
    positions = {"1": 0, "2": 1, "3": 0}
    with django_assert_num_queries(1):  # no read of the log's chains: the positions name them
        condition = after_positions(positions, limit=10)
    read = AuditEvent.objects.filter(condition).order_by("id").values_list("chain", "sequence")
    assert list(read) == [(1, 1), (3, 1), (2, 2)]


@pytest.mark.parametrize("limit", [100, None])
def test_a_reader_that_knows_a_stale_list_of_chains_picks_up_a_new_chain_in_id_order(unit, limit):
    first = [note(unit, 1), note(unit, 4)]
    read = batch({}, limit)
    assert [pk for pk, *_ in read] == first
    positions = advance_positions({}, [(chain, sequence) for _pk, chain, sequence in read])
    assert positions == {"1": 1, "4": 1}  # the chains this reader knows
    # new chains appear, below and above the known ones, with the subject's later events in known chains between
    later = [note(unit, 2), note(unit, 1), note(unit, 6), note(unit, 4), note(unit, 2)]
    read = batch(positions, limit)
    assert [pk for pk, *_ in read] == later  # every one, in the subject's order, none before its predecessor
    positions = advance_positions(positions, [(chain, sequence) for _pk, chain, sequence in read])
    assert positions == {"1": 2, "2": 2, "4": 2, "6": 1}
    assert batch(positions) == []


def test_a_new_chain_past_a_full_batch_is_read_by_the_next_batch(unit):
    known = [note(unit, 1) for _ in range(3)]
    newer = note(unit, 3)
    read = batch({"1": 0}, limit=2)
    assert [pk for pk, *_ in read] == known[:2]  # the new chain's event has a higher id than the batch's
    positions = advance_positions({"1": 0}, [(c, s) for _pk, c, s in read])
    assert [pk for pk, *_ in batch(positions, limit=2)] == [known[2], newer]
