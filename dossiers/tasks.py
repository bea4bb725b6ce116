"""Background jobs of the dossiers app (run by Celery beat, or by `manage.py remind_overdue_dossiers`)."""

from celery import shared_task


@shared_task
def send_dossier_reminders() -> int:
    """Remind the assignee of every overdue dossier step."""
    from .reminders import send_overdue_reminders

    return send_overdue_reminders()
