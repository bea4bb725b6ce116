"""Background jobs: notifications after transitions and their mail, keeping object permissions in step with
dates, signing and checking the audit chain."""

from __future__ import annotations

import logging
from smtplib import SMTPException

from celery import shared_task
from celery.exceptions import Retry
from django.db import transaction

logger = logging.getLogger(__name__)

#: how often a notification's mail is tried again after the first attempt, with exponential backoff
MAIL_MAX_RETRIES = 6


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
    """Mail one notification (workflows.notifications.mail_send), outside any transaction or lock. An SMTP or
    network error is retried with exponential backoff (1, 2, 4 … seconds, up to an hour); the last failed
    attempt marks the notification failed (the Board can send it again). Never fail_silently."""
    from .notifications import mail_send

    return mail_send(notification_id, final=self.request.retries >= self.max_retries)


@shared_task
def notify_event(event_id: int) -> int:
    """Notify whoever can act next on the event's subject (workflows.notifications.notify_event)."""
    from .notifications import notify_event as notify

    return notify(event_id)


@shared_task
def dispatch_notifications(batch: int = 1000) -> int:
    """Notify for each transition past the notifier's cursor (workflows.notifications.dispatch)."""
    from .notifications import dispatch

    return dispatch(batch)


@shared_task
def sync_unit_parents() -> int:
    """A parent change recorded ahead of its date takes effect on the day (Unit.parent is the parent today)."""
    from .organisation_services import unit_parents_follow_today

    return unit_parents_follow_today()


@shared_task
def sign_audit_checkpoint() -> int | None:
    """Hourly (settings.AUDIT_CHECKPOINT_INTERVAL): sign every audit chain's head if one moved since the last
    checkpoint. Returns how many events the checkpoint covers (every chain's signed sequence added up, the
    sequences being gapless; with one chain, the signed sequence), or None when nothing new was written."""
    from .audit import SYSTEM
    from .checkpoints import SignedCheckpoint, audit_checkpoint_sign

    checkpoint = audit_checkpoint_sign(actor=SYSTEM, only_if_moved=True)
    if checkpoint is None:
        return None
    return sum(sequence for sequence, _hash in SignedCheckpoint.of(checkpoint).positions().values())


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
