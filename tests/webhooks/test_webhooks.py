"""Webhooks: a subscriber receives, signed and in order, at least once, the audit events its owner may see."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from tests.testapp.models import Widget
from webhooks import delivery as webhook_delivery
from webhooks.models import Delivery, DeliveryStatus, Subscription
from workflows import engine
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db

LOCAL = override_settings(
    WEBHOOKS_ALLOW_HTTP=True, WEBHOOKS_ALLOW_PRIVATE_HOSTS=True, WEBHOOKS_MAX_ATTEMPTS=3
)


def _subscribe(api, user, url, **extra):
    with LOCAL:
        return api(user).post("/api/webhooks/", {"name": "Cổng đơn vị", "url": url, **extra}, format="json")


def _verify(secret: str, item: dict) -> bool:
    signature = item["headers"]["x-tdkt-signature"]
    parts = dict(part.split("=", 1) for part in signature.split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + item["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


def test_the_owner_receives_only_what_they_may_see_signed_and_in_order(
    api, people, unit, other_unit, receiver
):
    ours = [Widget.objects.create(title=f"Của ta {i}", unit=unit) for i in range(3)]
    theirs = Widget.objects.create(title="Của đơn vị khác", unit=other_unit)
    engine.perform(ours[0], "submit", user=people["head"])  # before the subscription: not delivered
    answer = _subscribe(api, people["head"], receiver.url)
    assert answer.status_code == 201, answer.content
    secret = answer.json()["secret"]
    assert len(secret) >= 32
    engine.perform(theirs, "submit", user=people["other_head"])
    for widget in ours[1:]:
        engine.perform(widget, "submit", user=people["head"])
    with LOCAL:
        assert webhook_delivery.deliver_all() == 2
    events = receiver.events()
    assert [event["subject"] for event in events] == [
        {"type": "testapp.widget", "id": str(ours[1].pk)},
        {"type": "testapp.widget", "id": str(ours[2].pk)},
    ]
    assert [event["sequence"] for event in events] == sorted(event["sequence"] for event in events)
    assert all(_verify(secret, item) for item in receiver.received)
    assert not _verify("another key", receiver.received[0])
    recorded = AuditEvent.objects.get(sequence=events[0]["sequence"])
    assert events[0]["hash"] == recorded.hash and events[0]["prev_hash"] == recorded.prev_hash
    assert events[0]["verb"] == "submit" and events[0]["actor"] == "unit-head"
    assert "data" not in events[0] and "client_ip" not in events[0]  # the unit does not read widget history
    # delivered once: a second run sends nothing more
    with LOCAL:
        assert webhook_delivery.deliver_all() == 0
    assert len(receiver.received) == 2


def test_the_board_head_receives_every_event_with_its_data(api, people, unit, other_unit, receiver):
    answer = _subscribe(api, people["board_head"], receiver.url, subject_types=["testapp.widget"])
    assert answer.status_code == 201, answer.content
    widget = Widget.objects.create(title="Hồ sơ", unit=other_unit)
    engine.perform(widget, "submit", user=people["other_head"], data={"comment": "Kính trình"})
    with LOCAL:
        webhook_delivery.deliver_all()
    [event] = receiver.events()
    assert event["comment"] == "Kính trình" and event["data"]["changes"] == {"state": ["draft", "submitted"]}


def test_a_failing_receiver_is_retried_with_backoff_and_nothing_overtakes(api, people, unit, receiver):
    subscription_id = _subscribe(api, people["head"], receiver.url).json()["id"]
    widgets = [Widget.objects.create(title=f"W{i}", unit=unit) for i in range(2)]
    for widget in widgets:
        engine.perform(widget, "submit", user=people["head"])
    receiver.fail = 1
    with LOCAL:
        assert webhook_delivery.deliver_all() == 0
    first, second = Delivery.objects.filter(subscription_id=subscription_id).order_by("sequence")
    assert (first.status, first.attempts, first.last_status_code) == (DeliveryStatus.PENDING, 1, 500)
    assert first.next_attempt_at > timezone.now()
    assert second.attempts == 0  # waits behind the first
    with LOCAL:
        assert webhook_delivery.deliver_all() == 0  # not due yet
    Delivery.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    with LOCAL:
        assert webhook_delivery.deliver_all() == 2
    assert [event["subject"]["id"] for event in receiver.events()] == [str(w.pk) for w in widgets]
    log = api(people["head"]).get(f"/api/webhooks/{subscription_id}/deliveries/").json()
    assert {row["status"] for row in log} == {"sent"} and max(row["attempts"] for row in log) == 2


def test_after_the_last_attempt_the_delivery_fails_and_can_be_sent_again(api, people, unit, receiver):
    subscription_id = _subscribe(api, people["head"], receiver.url).json()["id"]
    widget = Widget.objects.create(title="W", unit=unit)
    engine.perform(widget, "submit", user=people["head"])
    receiver.fail = 10
    for _ in range(3):
        Delivery.objects.filter(subscription_id=subscription_id).update(next_attempt_at=None)
        with LOCAL:
            webhook_delivery.deliver_all()
    failed = Delivery.objects.get(subscription_id=subscription_id)
    assert failed.status == DeliveryStatus.FAILED and failed.attempts == 3 and failed.last_error == "HTTP 500"
    receiver.fail = 0
    other = api(people["other_head"]).post(
        f"/api/webhooks/{subscription_id}/deliveries/{failed.pk}/redeliver/"
    )
    assert other.status_code == 404
    again = api(people["head"]).post(f"/api/webhooks/{subscription_id}/deliveries/{failed.pk}/redeliver/")
    assert again.status_code == 200 and again.json()["status"] == "pending"
    assert AuditEvent.objects.filter(verb="webhook_redelivered", subject_id=str(subscription_id)).exists()
    with LOCAL:
        assert webhook_delivery.deliver_all() == 1


def test_who_may_subscribe_and_see_subscriptions(api, people, django_user_model, receiver):
    refused = _subscribe(api, people["officer"], receiver.url)
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    root = django_user_model.objects.create_superuser("root-hooks", "r@example.org", "x")
    assert _subscribe(api, root, receiver.url).status_code == 403
    created = _subscribe(api, people["head"], receiver.url).json()
    assert api(people["other_head"]).get(f"/api/webhooks/{created['id']}/").status_code == 404
    assert (
        api(people["other_head"]).get("/api/webhooks/").json()["results"] == []
        if isinstance(api(people["other_head"]).get("/api/webhooks/").json(), dict)
        else api(people["other_head"]).get("/api/webhooks/").json() == []
    )
    assert "secret" not in api(people["head"]).get(f"/api/webhooks/{created['id']}/").json()
    assert AuditEvent.objects.filter(verb="webhook_subscribed", subject_id=str(created["id"])).exists()
    assert api(people["head"]).delete(f"/api/webhooks/{created['id']}/").status_code == 204
    assert not Subscription.objects.get(pk=created["id"]).active


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/hook",
        "http://127.0.0.1:9/hook",
        "https://10.1.2.3/hook",
        "https://[::1]/hook",
        "nonsense",
    ],
)
def test_hostile_addresses_are_refused_next_to_the_field(api, people, url):
    with override_settings(WEBHOOKS_ALLOW_HTTP=False, WEBHOOKS_ALLOW_PRIVATE_HOSTS=False):
        answer = api(people["head"]).post("/api/webhooks/", {"name": "X", "url": url}, format="json")
    assert answer.status_code == 400, answer.content
    assert "url" in answer.json()["errors"]
    assert not Subscription.objects.exists()


def test_the_web_page_registers_shows_the_key_once_and_keeps_bad_input(people, receiver):
    client = Client()
    client.force_login(people["head"])
    assert client.get("/webhook/").status_code == 200
    with override_settings(WEBHOOKS_ALLOW_HTTP=False, WEBHOOKS_ALLOW_PRIVATE_HOSTS=False):
        bad = client.post("/webhook/", {"name": "Cổng", "url": "https://127.0.0.1/x"})
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "mạng nội bộ" in page and 'value="Cổng"' in page
    with LOCAL:
        good = client.post(
            "/webhook/", {"name": "Cổng", "url": receiver.url, "subject_types": ["dossiers.dossier"]}
        )
    assert good.status_code == 201
    subscription = Subscription.objects.get()
    assert subscription.secret in good.content.decode()
    assert subscription.subject_types == ["dossiers.dossier"]
    detail = client.get(f"/webhook/{subscription.pk}/")
    assert detail.status_code == 200 and subscription.secret not in detail.content.decode()
    officer = Client()
    officer.force_login(people["officer"])
    assert officer.get("/webhook/").status_code == 403
    assert officer.get(f"/webhook/{subscription.pk}/").status_code == 404


def test_the_header_links_the_page_for_subscribers_only(people):
    head, officer = Client(), Client()
    head.force_login(people["head"])
    officer.force_login(people["officer"])
    assert 'href="/webhook/"' in head.get("/").content.decode()
    assert 'href="/webhook/"' not in officer.get("/").content.decode()
