"""Send the reminders of overdue dossier steps (for cron when Celery beat is not running)."""

from django.core.management.base import BaseCommand

from dossiers.reminders import send_overdue_reminders


class Command(BaseCommand):
    help = "Notify whoever must act on every dossier whose current step is past its working-day deadline."

    def handle(self, *args, **options):
        sent = send_overdue_reminders()
        self.stdout.write(f"{sent} reminders sent.")
