"""Notifications: the service that writes them. The Celery tasks (workflows/tasks.py) and the pages call it.

The audit log is the outbox: dispatch() reads it past the notifier's cursor and notify_event() writes one
notification per event and recipient (idempotent keys). Mail goes out from its own task after the commit
(workflows.tasks.send_notification_mail → mail_send), never inside the dispatch transaction or its lock.
"""

from __future__ import annotations

import logging
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from . import audit
from .models import AuditEvent, MailStatus, Notification, OutboxCursor
from .names import full_name

logger = logging.getLogger(__name__)


def create_notification(
    *, recipient, key: str, text: str, url: str = "", subject: str = "", body: str = "", event=None
):
    """Create one notification (None when the recipient already has one with this key) and, when the recipient
    has an e-mail address, queue its mail for after the commit: no mail goes out while the caller's
    transaction (and any lock it holds) is open, and none for a notification that was rolled back."""
    from .tasks import queue_notification_mail

    has_mail = bool(recipient.email)
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient,
                event=event,
                key=key,
                text=text if len(text) <= 500 else text[:499] + "…",
                url=url,
                mail_subject=(subject or text)[:200] if has_mail else "",
                mail_body=(body or text) if has_mail else "",
                mail_status=MailStatus.PENDING if has_mail else MailStatus.NONE,
            )
            if has_mail:
                queue_notification_mail(notification.pk)
    except IntegrityError:
        return None  # already notified with this key
    return notification


def _short_error(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 300 else text[:299] + "…"


def mail_send(notification_id: int, *, final: bool) -> str:
    """One attempt at mailing a notification; each attempt and its error are recorded, and a failed `final`
    attempt marks it failed. Raises the SMTP or network error so that the task retries it."""
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None or notification.mail_status in (MailStatus.SENT, MailStatus.NONE):
        return notification.mail_status if notification is not None else "missing"
    address = notification.recipient.email
    if not address:
        Notification.objects.filter(pk=notification_id).update(mail_status=MailStatus.NONE)
        return MailStatus.NONE
    Notification.objects.filter(pk=notification_id).update(attempts=F("attempts") + 1)
    try:
        send_mail(
            notification.mail_subject or notification.text[:200],
            notification.mail_body or notification.text,
            settings.DEFAULT_FROM_EMAIL,
            [address],
            fail_silently=False,
        )
    except (SMTPException, OSError) as exc:
        Notification.objects.filter(pk=notification_id).update(
            last_error=_short_error(exc), mail_status=MailStatus.FAILED if final else MailStatus.PENDING
        )
        if final:
            logger.error("notification %s: mail to %s failed for good: %s", notification_id, address, exc)
        raise
    Notification.objects.filter(pk=notification_id).update(
        mail_status=MailStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    return MailStatus.SENT


def notify_event(event_id: int) -> int:
    """Notify whoever can act next on the event's subject. Idempotent: one notification per event and user."""
    from .lifecycle import lifecycle_for

    event = AuditEvent.objects.select_related("subject_type", "actor").get(pk=event_id)
    model = event.subject_type.model_class()
    subject = model._default_manager.filter(pk=event.subject_id).first()
    if subject is None:
        return 0
    try:
        flow = lifecycle_for(subject)(subject)
    except LookupError:
        return 0
    if not event.target_state and event.verb not in type(flow).notified_verbs:
        return 0
    if event.target_state:
        text = f"{subject}: {flow.state_label(event.target_state)}"
    else:  # an event that moves no state (a grant, a configuration change): say what happened
        from .history import verb_label

        text = f"{subject}: {verb_label(model, event.verb)}"
    if event.actor is not None:  # who acted, as Vietnamese write names (workflows/names.py)
        text += f" · {full_name(event.actor)}"
    title = text
    details = flow.notification_details(event)  # e.g. why a dossier was returned and what to supplement
    if details:
        text = f"{text}. {details}"
    url = subject.get_absolute_url() if hasattr(subject, "get_absolute_url") else ""
    sent = 0
    for user in flow.recipients(event):
        if user.pk == event.actor_id:
            continue
        notification = create_notification(
            recipient=user, key=f"event:{event.pk}", text=text, url=url, subject=title, body=text, event=event
        )
        if notification is None:
            continue  # already notified for this event
        sent += 1
    return sent


def dispatch(batch: int = 1000) -> int:
    """Read the audit log past the notifier's cursor and notify for each transition. Exactly once per event
    and recipient (idempotent keys), whether the worker was down for a minute or a day. The cursor's row lock
    is held only while the notifications are written: their mail is queued for after the commit."""
    from .registry import notified_verbs

    sent = 0
    verbs = notified_verbs()
    with transaction.atomic():
        cursor, _ = OutboxCursor.objects.select_for_update().get_or_create(name="notifications")
        events = list(
            AuditEvent.objects.filter(audit.after_positions(cursor.positions, limit=batch))
            .order_by("id")
            .values_list("pk", "chain", "sequence", "target_state", "verb")[:batch]
        )
        for pk, _chain, _sequence, target_state, verb in events:
            if target_state or verb in verbs:
                sent += notify_event(pk)
        if events:
            cursor.positions = audit.advance_positions(cursor.positions, [(c, n) for _pk, c, n, *_ in events])
            cursor.save(update_fields=["positions"])
    return sent


def mark_all_read(user) -> int:
    """The user's own unread notifications, marked read (their own inbox state: not audited)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def resend(notification_id: int, *, actor: audit.Actor) -> Notification | None:
    """Send a failed notification's mail again, recorded as `notification_resent`; None if it is not failed.
    The caller has asked the permission layer (workflows.policies.may_act_for_board)."""
    from .tasks import queue_notification_mail

    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None:
            raise Notification.DoesNotExist
        if notification.mail_status != MailStatus.FAILED:
            return None
        Notification.objects.filter(pk=notification_id).update(mail_status=MailStatus.PENDING)
        audit.record(
            subject=notification,
            actor=actor,
            verb="notification_resent",
            data={"user": notification.recipient_id, "attempts": notification.attempts},
        )
        queue_notification_mail(notification.pk)  # after the commit, by its own task
    return notification
