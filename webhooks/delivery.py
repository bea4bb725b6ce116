"""Delivering audit events to subscribers: the audit log is the outbox, each subscription has its cursor.

For each active subscription, in the events' id order: the events after its cursor whose subject its owner may
see (and of the kinds it asked for) become deliveries; each is POSTed as JSON signed with HMAC-SHA256 over
"<timestamp>.<body>" (header X-TDKT-Signature: t=<timestamp>,v1=<hex>), and retried with exponential backoff
until the receiver answers 2xx. A subscription's queue does not overtake a pending delivery, so events arrive in
order; after WEBHOOKS_MAX_ATTEMPTS the delivery is marked failed, logged, and the queue moves on (the owner may
send it again). No database lock is held while a request is in flight: a short lease on the subscription keeps
two dispatchers from sending the same queue.

The log is one or more hash chains (workflows.audit): the cursor keeps one position per chain, the events past
it are read in one query in id order and the cursor moves per chain (audit.after_positions, advance_positions).
Within a chain, sequence order is commit order, so nothing below a chain's position can still appear; an event
of another chain with a lower id that was not committed yet is read by a later run, its chain's position not
having passed it. A subject's events are written under the subject's row lock, so their ids are their commit
order and a later one is never visible before an earlier one: each subject's events arrive in their order. Each
delivery says which chain its sequence is in (X-TDKT-Chain, the body's `chain`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from workflows import audit
from workflows.models import AuditEvent
from workflows.policies import may_read_history, may_view_object
from workflows.registry import lifecycle_for

from .models import Delivery, DeliveryStatus, Subscription

BATCH = 200
LEASE = timedelta(minutes=5)


def _max_attempts() -> int:
    return int(getattr(settings, "WEBHOOKS_MAX_ATTEMPTS", 8))


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped at 6 h."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def _subject(event: AuditEvent, cache: dict):
    key = (event.subject_type_id, event.subject_id)
    if key not in cache:
        model = event.subject_type.model_class()
        cache[key] = model._default_manager.filter(pk=event.subject_id).first() if model else None
    return cache[key]


def visible(subscription: Subscription, event: AuditEvent, cache: dict) -> tuple[bool, bool]:
    """(deliver it?, with its data?) for the subscription's owner."""
    kind = f"{event.subject_type.app_label}.{event.subject_type.model}"
    if subscription.subject_types and kind not in subscription.subject_types:
        return False, False
    subject = _subject(event, cache)
    if subject is None:
        return False, False
    owner = subscription.owner
    decisions = cache.setdefault("decisions", {})
    key = (owner.pk, event.subject_type_id, event.subject_id)
    if key not in decisions:
        try:
            lifecycle_for(subject)
            seen = bool(may_view_object(owner, subject))
        except LookupError:  # units, memberships, configuration: what the owner may read of the whole log
            seen = bool(may_read_history(owner, None))
        decisions[key] = (seen, seen and bool(may_read_history(owner, subject)))
    return decisions[key]


def payload(event: AuditEvent, *, with_data: bool, delivery_id: int) -> dict:
    kind = f"{event.subject_type.app_label}.{event.subject_type.model}"
    body = {
        "delivery": delivery_id,
        "chain": event.chain,
        "sequence": event.sequence,
        "hash": event.hash,
        "prev_hash": event.prev_hash,
        "verb": event.verb,
        "subject": {"type": kind, "id": event.subject_id},
        "source_state": event.source_state,
        "target_state": event.target_state,
        "actor": event.actor.username if event.actor_id else None,
        "role": event.role,
        "on_behalf_of": event.on_behalf_of.username if event.on_behalf_of_id else None,
        "created_at": event.created_at.isoformat(),
    }
    if with_data:  # what the owner would read in the history: the comment and the data (never the IP)
        body["comment"] = event.comment
        body["data"] = event.data
    return body


def _lease(subscription_id: int) -> Subscription | None:
    now = timezone.now()
    with transaction.atomic():
        taken = Subscription.objects.filter(
            Q(leased_until__isnull=True) | Q(leased_until__lt=now), pk=subscription_id, active=True
        ).update(leased_until=now + LEASE)
    if not taken:
        return None
    return Subscription.objects.select_related("owner").get(pk=subscription_id)


def _release(subscription: Subscription) -> None:
    Subscription.objects.filter(pk=subscription.pk).update(leased_until=None)


def _enqueue(subscription: Subscription) -> None:
    """Turn the events after the cursor into pending deliveries (those the owner may see), move the cursor: one
    query in id order, a prefix of each chain's rest, then each chain's position past what was read."""
    cache: dict = {}
    events = list(
        AuditEvent.objects.filter(audit.after_positions(subscription.positions, limit=BATCH))
        .select_related("subject_type")
        .order_by("id")[:BATCH]
    )
    if not events:
        return
    rows = [
        Delivery(subscription=subscription, event=event, chain=event.chain, sequence=event.sequence)
        for event in events
        if visible(subscription, event, cache)[0]
    ]
    positions = audit.advance_positions(subscription.positions, [(e.chain, e.sequence) for e in events])
    with transaction.atomic():
        Delivery.objects.bulk_create(rows, ignore_conflicts=True)
        Subscription.objects.filter(pk=subscription.pk).update(positions=positions)
    subscription.positions = positions


def _post(subscription: Subscription, body: bytes, delivery: Delivery) -> tuple[int | None, str]:
    timestamp = int(time.time())
    request = urllib.request.Request(
        subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "tdkt-webhooks/1",
            "X-TDKT-Delivery": str(delivery.pk),
            "X-TDKT-Chain": str(delivery.chain),
            "X-TDKT-Sequence": str(delivery.sequence),
            "X-TDKT-Signature": sign(subscription.secret, timestamp, body),
        },
    )
    timeout = float(getattr(settings, "WEBHOOKS_TIMEOUT_SECONDS", 10))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked)
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        return None, str(getattr(error, "reason", error))[:300]


def deliver_subscription(subscription_id: int) -> int:
    """Send what is due for one subscription, in its events' id order, stopping at the first failure. Returns
    the count sent."""
    subscription = _lease(subscription_id)
    if subscription is None:
        return 0
    sent = 0
    try:
        from .services import check_url

        _enqueue(subscription)
        cache: dict = {}
        now = timezone.now()
        pending = (
            Delivery.objects.filter(subscription=subscription, status=DeliveryStatus.PENDING)
            .select_related("event__subject_type", "event__actor", "event__on_behalf_of")
            .order_by("event_id")
        )
        for delivery in pending:
            if delivery.next_attempt_at and delivery.next_attempt_at > now:
                break  # not due: nothing after it overtakes it
            event = delivery.event
            _seen, with_data = visible(subscription, event, cache)
            body = json.dumps(
                payload(event, with_data=with_data, delivery_id=delivery.pk), ensure_ascii=False, default=str
            ).encode()
            try:
                check_url(subscription.url)  # again at sending time: the name may now point elsewhere
                status, error = _post(subscription, body, delivery)
            except Exception as refused:  # noqa: BLE001 (a refused URL is logged like a failed attempt)
                status, error = None, str(getattr(refused, "messages", [refused])[0])[:300]
            delivery.attempts += 1
            delivery.last_status_code = status
            if status is not None and 200 <= status < 300:
                delivery.status = DeliveryStatus.SENT
                delivery.delivered_at = timezone.now()
                delivery.last_error = ""
                delivery.next_attempt_at = None
                delivery.save(
                    update_fields=[
                        "attempts",
                        "last_status_code",
                        "status",
                        "delivered_at",
                        "last_error",
                        "next_attempt_at",
                    ]
                )
                sent += 1
                continue
            delivery.last_error = error or f"HTTP {status}"
            if delivery.attempts >= _max_attempts():
                delivery.status = DeliveryStatus.FAILED
                delivery.next_attempt_at = None
            else:
                delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
            delivery.save(
                update_fields=["attempts", "last_status_code", "last_error", "status", "next_attempt_at"]
            )
            if delivery.status == DeliveryStatus.PENDING:
                break  # retry later; later events wait behind it
    finally:
        _release(subscription)
    return sent


def deliver_all() -> int:
    return sum(
        deliver_subscription(pk)
        for pk in Subscription.objects.filter(active=True).values_list("pk", flat=True)
    )
