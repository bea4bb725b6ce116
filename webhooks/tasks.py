"""Celery: deliver the webhooks that are due (beat, every minute)."""

from celery import shared_task


@shared_task
def deliver_webhooks() -> int:
    from .delivery import deliver_all

    return deliver_all()
