import os
import sys
import time

from django.core.management.base import BaseCommand

from workflows.checkpoints import position, verify_log


class Command(BaseCommand):
    help = (
        "Verify the audit log: every hash chain, each chain's head against its last event, every signed "
        "checkpoint (database and AUDIT_CHECKPOINT_DIR). Exit 0 if intact, 1 naming each problem found."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--workers",
            type=int,
            default=min(os.cpu_count() or 1, 4),
            help="processes that check slices of the chain in parallel (default: cores, max 4)",
        )
        parser.add_argument("--quiet", action="store_true")
        parser.add_argument(
            "--since-checkpoint",
            action="store_true",
            help="check only what came after the latest signed checkpoint, each chain from its signed position "
            "(the checkpoint's signature and hashes first): the daily incremental check, recorded as a run",
        )

    def handle(self, *args, workers, quiet, since_checkpoint=False, **options):
        started = time.perf_counter()
        if since_checkpoint:
            self._since_checkpoint(quiet, started)
            return
        report = verify_log(workers)
        for warning in report.warnings:
            self.stderr.write(self.style.WARNING(f"Warning: {warning}"))
        if report.problems:
            for problem in report.problems:
                if problem.code == "chain":
                    sequence, chain = problem.params["sequence"], problem.chain
                    before = f"{sequence - 1} events before it" + (f" in chain {chain}" if chain != 1 else "")
                    self.stderr.write(
                        self.style.ERROR(
                            f"Audit chain broken at event #{position(chain, sequence)} "
                            f"(id {problem.params['event_id']}): {problem.params['reason']}. "
                            f"The {before} are intact."
                        )
                    )
                else:
                    self.stderr.write(self.style.ERROR(f"Audit log not intact: {problem.reason}."))
            sys.exit(1)
        if not quiet:
            latest = report.latest_checkpoint
            signed = (
                f"; {report.checkpoints} checkpoints verified, the latest at event {latest.at_text()}"
                if latest is not None
                else "; no checkpoint yet"
            )
            chains = f" in {len(report.tails)} chains" if len(report.tails) > 1 else ""
            self.stdout.write(
                self.style.SUCCESS(
                    f"Audit chain intact: {report.checked} events verified{chains} in "
                    f"{time.perf_counter() - started:.2f} s{signed}."
                )
            )

    def _since_checkpoint(self, quiet: bool, started: float) -> None:
        from workflows import audit
        from workflows.audit_check import perform_run, problem_reason, start_audit_check
        from workflows.models import AuditCheckMode, AuditCheckState

        run, created = start_audit_check(mode=AuditCheckMode.INCREMENTAL, actor=audit.SYSTEM, queue=False)
        if not created:
            self.stderr.write(
                self.style.ERROR(
                    f"Another audit check (run #{run.pk}) is {run.get_state_display()}: try later."
                )
            )
            sys.exit(2)
        run = perform_run(run.pk)
        for item in run.warnings:
            self.stderr.write(self.style.WARNING(f"Warning: {problem_reason(item)}"))
        if run.state != AuditCheckState.PASSED:
            for item in run.problems:
                self.stderr.write(self.style.ERROR(f"Audit log not intact: {problem_reason(item)}."))
            sys.exit(1)
        if not quiet:
            since = (
                f"after the checkpoint signed at {run.resumed_from.signed_at:%d/%m/%Y %H:%M}"
                if run.resumed_from_id
                else "from the start (no checkpoint yet)"
            )
            self.stdout.write(
                self.style.SUCCESS(
                    f"Audit chain intact {since}: {run.checked} events verified in "
                    f"{time.perf_counter() - started:.2f} s (check run #{run.pk})."
                )
            )
