"""Background jobs: notifications after transitions and their mail, keeping object permissions in step with
dates, signing and checking the audit chain."""

from __future__ import annotations

import logging
from smtplib import SMTPException

from celery import shared_task
from celery.exceptions import Retry
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import AuditEvent, MailStatus, Notification
from .names import full_name

logger = logging.getLogger(__name__)

#: how often a notification's mail is tried again after the first attempt, with exponential backoff
MAIL_MAX_RETRIES = 6


def create_notification(
    *, recipient, key: str, text: str, url: str = "", subject: str = "", body: str = "", event=None
):
    """Create one notification (None when the recipient already has one with this key) and, when the recipient
    has an e-mail address, queue its mail for after the commit: no mail goes out while the caller's
    transaction (and any lock it holds) is open, and none for a notification that was rolled back."""
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


def queue_notification_mail(notification_id: int) -> None:
    """Send the notification's mail from its own task once the current transaction commits (at once outside
    one). `robust`: a mail server that is down never undoes nor breaks what committed; the row says it failed."""
    transaction.on_commit(lambda: _send_mail_task(notification_id), robust=True)


def _send_mail_task(notification_id: int) -> None:
    if not send_notification_mail.app.conf.task_always_eager:
        send_notification_mail.delay(notification_id)
        return
    # Without a broker (development, tests) Celery runs a task in place but does not retry it: an eager retry
    # raises Retry to the caller. Make the worker's attempts here, one after the other, without the waits.
    for attempt in range(MAIL_MAX_RETRIES + 1):
        try:
            send_notification_mail.apply(args=[notification_id], retries=attempt, throw=True)
        except Retry:
            continue  # the attempt failed and asked for another one
        except (SMTPException, OSError) as exc:  # the last attempt failed: recorded as failed
            logger.warning("notification %s: mail not sent: %s", notification_id, exc)
        return


def _short_error(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 300 else text[:299] + "…"


@shared_task(
    bind=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=MAIL_MAX_RETRIES,
)
def send_notification_mail(self, notification_id: int) -> str:
    """Mail one notification, outside any transaction or lock. An SMTP or network error is retried with
    exponential backoff (1, 2, 4 … seconds, up to an hour); each attempt and its error are recorded, and the
    last failed attempt marks the notification failed (the Board can send it again). Never fail_silently."""
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
        final = self.request.retries >= self.max_retries
        Notification.objects.filter(pk=notification_id).update(
            last_error=_short_error(exc), mail_status=MailStatus.FAILED if final else MailStatus.PENDING
        )
        if final:
            logger.error("notification %s: mail to %s failed for good: %s", notification_id, address, exc)
        raise  # autoretry_for schedules the next attempt, or gives up after the last one
    Notification.objects.filter(pk=notification_id).update(
        mail_status=MailStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    return MailStatus.SENT


@shared_task
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
    text = f"{subject}: {flow.state_label(event.target_state)}"
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


@shared_task
def dispatch_notifications(batch: int = 1000) -> int:
    """Read the audit log past the notifier's cursor and notify for each transition. Exactly once per event
    and recipient (idempotent keys), whether the worker was down for a minute or a day. The cursor's row lock
    is held only while the notifications are written: their mail is queued for after the commit."""
    from .models import OutboxCursor

    sent = 0
    with transaction.atomic():
        cursor, _ = OutboxCursor.objects.select_for_update().get_or_create(name="notifications")
        events = list(
            AuditEvent.objects.filter(sequence__gt=cursor.last_sequence)
            .order_by("sequence")
            .values_list("pk", "sequence", "target_state")[:batch]
        )
        for pk, _sequence, target_state in events:
            if target_state:
                sent += notify_event(pk)
        if events:
            cursor.last_sequence = events[-1][1]
            cursor.save(update_fields=["last_sequence"])
    return sent


@shared_task
def sign_audit_checkpoint() -> int | None:
    """Hourly (settings.AUDIT_CHECKPOINT_INTERVAL): sign the audit chain head if it moved since the last
    checkpoint. Returns the signed sequence, or None when nothing new was written."""
    from .audit import SYSTEM
    from .checkpoints import audit_checkpoint_sign

    checkpoint = audit_checkpoint_sign(actor=SYSTEM, only_if_moved=True)
    return checkpoint.sequence if checkpoint is not None else None


@shared_task
def run_audit_check(run_id: int) -> str | None:
    """Do one queued check of the audit log (workflows/audit_check.py), in batches, recording its progress."""
    from .audit_check import perform_run

    run = perform_run(run_id)
    return run.state if run is not None else None


@shared_task
def audit_check_daily() -> int:
    """Daily (beat): an incremental check from the latest signed checkpoint, recorded as a run like the
    auditor's; a failed check notifies the auditors and the Board head. Returns the run's id (the running one
    if a check was already under way)."""
    from .audit import SYSTEM
    from .audit_check import start_audit_check
    from .models import AuditCheckMode

    run, _started = start_audit_check(mode=AuditCheckMode.INCREMENTAL, actor=SYSTEM)
    return run.pk
