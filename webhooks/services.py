"""Webhook subscriptions: register, end, rotate the signing key, deliver an event again. Each is audited."""

from __future__ import annotations

import ipaddress
import secrets
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from workflows import audit
from workflows.policies import require

from .models import Delivery, DeliveryStatus, Subscription
from .policies import may_manage_subscription, may_subscribe_webhooks


def _position(chain: int, sequence: int) -> str:
    """An event's place as people read it (AuditEvent.position)."""
    return str(sequence) if chain == audit.FIRST_CHAIN else f"{chain}·{sequence}"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def check_url(url: str) -> None:
    """Refuse what a webhook must not reach: other schemes, plain http in production, and addresses inside
    the deployment's own network (loopback, private, link-local: the server would be made to call its own
    services). settings.WEBHOOKS_ALLOW_HTTP / WEBHOOKS_ALLOW_PRIVATE_HOSTS open them for tests and intranets."""
    parts = urlsplit(url)
    allow_http = getattr(settings, "WEBHOOKS_ALLOW_HTTP", settings.DEBUG)
    if parts.scheme not in ("https", "http") or (parts.scheme == "http" and not allow_http):
        raise ValidationError({"url": _("Địa chỉ nhận phải bắt đầu bằng https://.")})
    if not parts.hostname:
        raise ValidationError({"url": _("Địa chỉ nhận không có tên máy chủ.")})
    if getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_HOSTS", False):
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except (socket.gaierror, UnicodeError):
        raise ValidationError({"url": _("Không tìm thấy máy chủ của địa chỉ nhận.")}) from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast:
            raise ValidationError({"url": _("Địa chỉ nhận trỏ vào mạng nội bộ; không được phép.")})


def subscribe(*, actor: audit.Actor, name: str, url: str, subject_types=()) -> tuple[Subscription, str]:
    """Register a webhook for the actor's own view of the system; returns it and its signing key (shown once).
    Delivery starts with the events written after this moment."""
    acting = require(may_subscribe_webhooks, actor)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Nhập tên cho đăng ký.")})
    check_url(url)
    types = sorted({str(kind).strip().lower() for kind in subject_types or () if str(kind).strip()})
    from django.contrib.contenttypes.models import ContentType

    known = {f"{ct.app_label}.{ct.model}" for ct in ContentType.objects.all()}
    unknown = [kind for kind in types if kind not in known]
    if unknown:
        raise ValidationError(
            {"subject_types": _("Loại đối tượng không có: %(kinds)s.") % {"kinds": ", ".join(unknown)}}
        )
    secret = new_secret()
    with transaction.atomic():
        tails = audit.chain_tails()
        positions = {str(chain): sequence for chain, (sequence, _hash) in tails.items()}
        subscription = Subscription.objects.create(
            name=name[:120],
            url=url,
            secret=secret,
            owner=actor.user,
            subject_types=types,
            positions=positions,
        )
        audit.record(
            subject=subscription,
            actor=acting,
            verb="webhook_subscribed",
            data={
                "url": url,
                "owner": actor.user.username,
                "subject_types": types,
                # the first event each chain will deliver ("121" in the first chain, "3·18" in chain 3)
                "from_positions": [
                    _position(chain, sequence + 1) for chain, (sequence, _hash) in sorted(tails.items())
                ]
                or [_position(audit.FIRST_CHAIN, 1)],
            },
        )
    return subscription, secret


def unsubscribe(subscription: Subscription, *, actor: audit.Actor) -> Subscription:
    acting = require(may_manage_subscription, actor, subscription)
    with transaction.atomic():
        locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if locked.active:
            locked.active = False
            locked.save(update_fields=["active"])
            audit.record(subject=locked, actor=acting, verb="webhook_unsubscribed", data={"url": locked.url})
    return locked


def rotate_secret(subscription: Subscription, *, actor: audit.Actor) -> str:
    acting = require(may_manage_subscription, actor, subscription)
    secret = new_secret()
    with transaction.atomic():
        locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
        locked.secret = secret
        locked.save(update_fields=["secret"])
        audit.record(subject=locked, actor=acting, verb="webhook_secret_rotated", data={"url": locked.url})
    return secret


def redeliver(delivery: Delivery, *, actor: audit.Actor) -> Delivery:
    """Send a failed event again (after the receiver was mended): it goes back to the head of the queue."""
    acting = require(may_manage_subscription, actor, delivery.subscription)
    if delivery.status != DeliveryStatus.FAILED:
        raise ValidationError({"delivery": _("Chỉ gửi lại sự kiện đã gửi không được.")})
    with transaction.atomic():
        locked = Delivery.objects.select_for_update().get(pk=delivery.pk)
        locked.status = DeliveryStatus.PENDING
        locked.attempts = 0
        locked.next_attempt_at = None
        locked.save(update_fields=["status", "attempts", "next_attempt_at"])
        audit.record(
            subject=locked.subscription,
            actor=acting,
            verb="webhook_redelivered",
            data={"position": locked.position},
        )
    return locked
