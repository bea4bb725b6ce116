"""The upgrade to an audit log of several chains keeps each subscription's place: its old last_sequence becomes
its position in the first chain (every event before the upgrade is in it), its deliveries are of chain 1."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from webhooks.models import Delivery, Subscription
from workflows.models import AuditEvent, Role

from ..innovation.test_policies import append_only_flush

__all__ = ["append_only_flush"]

BEFORE = [("webhooks", "0001_initial")]


@pytest.fixture
def without_deliveries(append_only_flush):
    """The deliveries go before the flush lifts the audit log's guard (they protect their events)."""
    yield
    Delivery.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_the_cursor_becomes_the_position_in_the_first_chain(person, without_deliveries):
    owner = person("board-head", Role.BOARD_HEAD)
    event = AuditEvent.objects.order_by("id").first()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    with connection.cursor() as cursor:  # the tables as they stood: one cursor in the single chain
        for name, last in (("Đã đọc", 41), ("Mới", 0)):
            cursor.execute(
                "INSERT INTO webhooks_subscription (name, url, secret, owner_id, subject_types, active, "
                "last_sequence, created_at) VALUES (%s, 'https://example.org/hook', 'k', %s, '[]', %s, %s, "
                "CURRENT_TIMESTAMP)",
                [name, owner.pk, True, last],
            )
        cursor.execute("SELECT id FROM webhooks_subscription WHERE name = %s", ["Đã đọc"])
        (read_id,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO webhooks_delivery (subscription_id, event_id, sequence, status, attempts, last_error, "
            "created_at) VALUES (%s, %s, %s, 'sent', 1, '', CURRENT_TIMESTAMP)",
            [read_id, event.pk, event.sequence],
        )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("webhooks"))
    read, new = Subscription.objects.get(name="Đã đọc"), Subscription.objects.get(name="Mới")
    assert read.positions == {"1": 41} and read.last_sequence == 41
    assert new.positions == {}
    delivery = Delivery.objects.get(subscription=read)
    assert (delivery.chain, delivery.sequence, delivery.event_id) == (1, event.sequence, event.pk)
