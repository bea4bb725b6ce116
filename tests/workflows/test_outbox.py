"""Notifications read the audit log as an outbox: nothing lost while the worker is down, nothing doubled."""

import pytest

from tests.testapp.models import Widget
from workflows import engine
from workflows.audit import SYSTEM, ChainProblem, record, verify_chain
from workflows.models import AuditChainHead, Notification, OutboxCursor, Role
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
    from django.db import transaction

    with transaction.atomic():
        record(subject=unit, actor=SYSTEM, verb="first")
    AuditChainHead.objects.all().delete()
    with transaction.atomic():
        event = record(subject=unit, actor=SYSTEM, verb="second")
    assert event.sequence == 2
    assert not [item for item in verify_chain() if isinstance(item, ChainProblem)]
