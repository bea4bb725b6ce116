"""Celery beat job for the plan: daily reminders and overdue escalation."""

from __future__ import annotations

from datetime import date

from celery import shared_task


@shared_task(name="plan.tasks.send_plan_reminders")
def send_plan_reminders(today: str | None = None) -> int:
    """Send today's plan reminders; `today` (ISO date) lets an operator replay a missed day."""
    from .reminders import send_reminders

    return send_reminders(date.fromisoformat(today) if today else None)
