"""Webhooks over an audit log of several chains (issue 19): the cursor keeps a position per chain, deliveries go
out in the events' id order, once each, a subject's events in their order, and an event of one chain committed
after a later-id event of another chain is still delivered."""

from __future__ import annotations

import json

import pytest
from django.db.models import Q
from django.test import override_settings

from tests.testapp.models import Widget
from webhooks import delivery as webhook_delivery
from webhooks import services
from webhooks.models import Delivery, DeliveryStatus, Subscription
from workflows import audit, engine
from workflows.models import AuditEvent

from .test_webhooks import LOCAL

pytestmark = pytest.mark.django_db

CHAINS = override_settings(AUDIT_CHAINS=4)


def _subscribe(people, url) -> Subscription:
    with LOCAL:
        subscription, _secret = services.subscribe(
            actor=audit.Actor(people["board_head"]),
            name="Cổng tỉnh",
            url=url,
            subject_types=["testapp.widget"],
        )
    return subscription


def _widget_events(widgets) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(subject_type__model="widget", subject_id__in=[str(w.pk) for w in widgets])
        .exclude(target_state="")
        .order_by("id")
    )


def _deliver() -> int:
    with LOCAL:
        return webhook_delivery.deliver_all()


def test_events_of_three_chains_arrive_in_id_order_once_each(people, unit, receiver):
    with CHAINS:
        subscription = _subscribe(people, receiver.url)
        widgets = [Widget.objects.create(title=f"Hồ sơ {i}", unit=unit) for i in range(3)]
        # each widget is submitted in one chain and approved in the next one: its two events in two chains
        for index, widget in enumerate(widgets):
            with audit.use_chain(1 + index % 3):
                engine.perform(widget, "submit", user=people["head"])
        for index, widget in enumerate(widgets):
            with audit.use_chain(1 + (index + 1) % 3):
                engine.perform(widget, "approve", user=people["board_head"], data={"score": 5})
        events = _widget_events(widgets)
        assert {event.chain for event in events} == {1, 2, 3}
        assert _deliver() == 6

        received = receiver.events()
        assert [(body["chain"], body["sequence"]) for body in received] == [
            (event.chain, event.sequence) for event in events
        ]
        for item, body in zip(receiver.received, received, strict=True):
            assert item["headers"]["x-tdkt-chain"] == str(body["chain"])
            assert item["headers"]["x-tdkt-sequence"] == str(body["sequence"])
        for widget in widgets:  # a subject's events: submitted, then approved
            mine = [body["target_state"] for body in received if body["subject"]["id"] == str(widget.pk)]
            assert mine == ["submitted", "approved"]
        # the cursor is at each chain's tail; a second run sends nothing again
        subscription.refresh_from_db()
        tails = audit.chain_tails()
        assert subscription.positions == {str(chain): sequence for chain, (sequence, _h) in tails.items()}
        assert _deliver() == 0
    assert len(receiver.received) == 6
    assert set(
        Delivery.objects.filter(subscription=subscription).values_list("chain", "sequence", "status")
    ) == {(event.chain, event.sequence, DeliveryStatus.SENT) for event in events}


def test_an_earlier_event_of_another_chain_committed_later_is_not_lost(people, unit, receiver, monkeypatch):
    """Event A (chain 3) takes its id before event B (chain 2), B commits first: a run that sees B but not A
    moves chain 2's position only, and the next run delivers A. Simulated by hiding A from the first run."""
    with CHAINS:
        subscription = _subscribe(people, receiver.url)
        first, second = (Widget.objects.create(title=f"W{i}", unit=unit) for i in range(2))
        with audit.use_chain(3):
            engine.perform(first, "submit", user=people["head"])
        with audit.use_chain(2):
            engine.perform(second, "submit", user=people["head"])
        early, late = _widget_events([first, second])
        assert (early.chain, late.chain) == (3, 2) and early.pk < late.pk

        real = audit.after_positions
        monkeypatch.setattr(
            audit, "after_positions", lambda positions, **kw: real(positions, **kw) & ~Q(pk=early.pk)
        )
        assert _deliver() == 1
        subscription.refresh_from_db()
        assert int(subscription.positions["2"]) == late.sequence
        assert int(subscription.positions.get("3", 0)) < early.sequence
        monkeypatch.setattr(audit, "after_positions", real)

        assert _deliver() == 1
        assert _deliver() == 0
    received = [(body["chain"], body["sequence"]) for body in receiver.events()]
    assert received == [(2, late.sequence), (3, early.sequence)]


def test_a_pending_retry_holds_back_later_ids_of_every_chain(people, unit, receiver):
    with CHAINS:
        _subscribe(people, receiver.url)
        widgets = [Widget.objects.create(title=f"W{i}", unit=unit) for i in range(3)]
        for chain, widget in zip((2, 1, 3), widgets, strict=True):
            with audit.use_chain(chain):
                engine.perform(widget, "submit", user=people["head"])
        receiver.fail = 1
        assert _deliver() == 0
        queue = list(Delivery.objects.order_by("event_id"))
        assert [d.chain for d in queue] == [2, 1, 3]
        assert queue[0].attempts == 1 and all(d.attempts == 0 for d in queue[1:])
        Delivery.objects.filter(pk=queue[0].pk).update(next_attempt_at=None)
        assert _deliver() == 3
    assert [json.loads(item["body"])["subject"]["id"] for item in receiver.received] == [
        str(w.pk) for w in widgets
    ]


def test_the_subscription_starts_after_every_chain_tail(people, unit, receiver):
    with CHAINS:
        widget = Widget.objects.create(title="Trước", unit=unit)
        with audit.use_chain(2):
            engine.perform(widget, "submit", user=people["head"])
        with audit.use_chain(4):
            engine.perform(widget, "approve", user=people["board_head"], data={"score": 1})
        tails = audit.chain_tails()
        subscription = _subscribe(people, receiver.url)  # its own event is past the positions
        assert subscription.positions == {str(chain): sequence for chain, (sequence, _h) in tails.items()}
        recorded = AuditEvent.objects.get(verb="webhook_subscribed", subject_id=str(subscription.pk))
        assert recorded.data["from_positions"] == [
            str(sequence + 1) if chain == 1 else f"{chain}·{sequence + 1}"
            for chain, (sequence, _h) in sorted(tails.items())
        ]
        assert _deliver() == 0  # what was written before subscribing is not delivered
        later = Widget.objects.create(title="Sau", unit=unit)
        with audit.use_chain(3):
            engine.perform(later, "submit", user=people["head"])
        assert _deliver() == 1
    [body] = receiver.events()
    assert body["chain"] == 3 and body["subject"]["id"] == str(later.pk)


def test_the_api_and_pages_show_positions_per_chain(api, people, unit, receiver):
    from django.test import Client

    with CHAINS:
        subscription = _subscribe(people, receiver.url)
        widget = Widget.objects.create(title="W", unit=unit)
        with audit.use_chain(3):
            engine.perform(widget, "submit", user=people["head"])
        assert _deliver() == 1
    event = _widget_events([widget])[0]
    answer = api(people["board_head"]).get(f"/api/webhooks/{subscription.pk}/").json()
    assert answer["positions"]["3"] == event.sequence
    assert answer["last_sequence"] == answer["positions"].get("1", 0)
    [row] = api(people["board_head"]).get(f"/api/webhooks/{subscription.pk}/deliveries/").json()
    assert (row["chain"], row["sequence"]) == (3, event.sequence)
    client = Client()
    client.force_login(people["board_head"])
    assert f"3·{event.sequence}" in client.get(f"/webhook/{subscription.pk}/").content.decode()
    assert f"3·{event.sequence}" in client.get("/webhook/").content.decode()
