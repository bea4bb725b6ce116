import sys
import time

from django.core.management.base import BaseCommand

from workflows.audit import ChainProblem, verify_chain


class Command(BaseCommand):
    help = "Walk the audit hash chain; exit 0 if intact, 1 naming the first bad event."

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=5000)
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, chunk_size, quiet, **options):
        started = time.perf_counter()
        checked = 0
        for item in verify_chain(chunk_size=chunk_size):
            if isinstance(item, ChainProblem):
                self.stderr.write(self.style.ERROR(
                    f"Audit chain broken at event #{item.sequence} (id {item.event_id}): {item.reason}. "
                    f"The {item.sequence - 1} events before it are intact."
                ))
                sys.exit(1)
            checked = item
        if not quiet:
            self.stdout.write(self.style.SUCCESS(
                f"Audit chain intact: {checked} events verified in {time.perf_counter() - started:.2f} s."
            ))
