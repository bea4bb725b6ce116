"""Background jobs: notifications after transitions, and keeping object permissions in step with dates."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction

from .models import AuditEvent, Notification
from .names import full_name


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
    short = text if len(text) <= 500 else text[:499] + "…"
    url = subject.get_absolute_url() if hasattr(subject, "get_absolute_url") else ""
    sent = 0
    for user in flow.recipients(event):
        if user.pk == event.actor_id:
            continue
        try:
            with transaction.atomic():
                Notification.objects.create(
                    recipient=user, event=event, key=f"event:{event.pk}", text=short, url=url
                )
        except IntegrityError:
            continue  # already notified for this event
        if user.email:
            send_mail(title[:200], text, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=True)
        sent += 1
    return sent


@shared_task
def dispatch_notifications(batch: int = 1000) -> int:
    """Read the audit log past the notifier's cursor and notify for each transition. Exactly once per event
    and recipient (idempotent keys), whether the worker was down for a minute or a day."""
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
