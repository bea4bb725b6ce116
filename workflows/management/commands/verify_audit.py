import os
import sys
import time

from django.core.management.base import BaseCommand

from workflows.audit import verify_chain_parallel


class Command(BaseCommand):
    help = "Walk the audit hash chain; exit 0 if intact, 1 naming the first bad event."

    def add_arguments(self, parser):
        parser.add_argument(
            "--workers",
            type=int,
            default=min(os.cpu_count() or 1, 4),
            help="processes that check slices of the chain in parallel (default: cores, max 4)",
        )
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, workers, quiet, **options):
        started = time.perf_counter()
        checked, problem = verify_chain_parallel(workers)
        if problem is not None:
            self.stderr.write(
                self.style.ERROR(
                    f"Audit chain broken at event #{problem.sequence} (id {problem.event_id}): {problem.reason}. "
                    f"The {problem.sequence - 1} events before it are intact."
                )
            )
            sys.exit(1)
        if not quiet:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Audit chain intact: {checked} events verified in {time.perf_counter() - started:.2f} s."
                )
            )
