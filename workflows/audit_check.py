"""The auditor's check of the audit log as a run (AuditCheckRun) that a Celery task does in batches.

A check of a million events does not fit in one web request. The auditor's page starts a run and shows its
progress; the task (workflows.tasks.run_audit_check) walks the chain in batches of AUDIT_CHECK_BATCH_SIZE
events (5,000 by default), each batch its own read, and writes how far it got after each one.

- **incremental** (the daily beat task, "Kiểm tra phần mới"): resumes from the latest signed checkpoint.
  Its signature is checked against the trusted keys and, in every chain it signed, the event at its position
  must still have the signed hash; the chains up to it were verified when it was signed (audit_checkpoint_sign
  refuses a broken chain), so only the events after it are read, each chain linked from its signed hash (a
  chain the checkpoint does not hold is read from its first event). The checkpoint files are compared with the
  database (a deleted checkpoint row is noticed), and every chain's head with its last event.
- **full** ("Kiểm tra toàn bộ", `manage.py verify_audit`'s checks): every chain from its event #1, every
  checkpoint and every checkpoint file (workflows.checkpoints.verify_log).

The log may be several chains (workflows/audit.py, docs/audit-chains.md): the run's progress counts the events
of all of them, `chain_ranges` says which events of each chain it reads, and a problem names its chain.

What an incremental run cannot see: an event before the checkpoint altered without recomputing the hashes
after it breaks the chain at that event, which only a full run reads. Run one regularly.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import audit
from .audit import FIRST_CHAIN, GENESIS_HASH, ChainProblem, chain_tails, verify_chain
from .checkpoints import (
    LogProblem,
    SignedCheckpoint,
    chain_problem,
    checkpoint_params,
    hashes_at,
    head_problems,
    in_chain,
    read_checkpoint_files,
    signed_places,
    tail_problem,
    trusted_keys,
    verify_log,
)
from .models import (
    AuditCheckMode,
    AuditCheckpoint,
    AuditCheckRun,
    AuditCheckState,
    AuditEvent,
    Membership,
    Role,
)
from .roles import active_q

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 5000
#: a run that has not moved for this long is taken as abandoned (a worker that died), so that the next can start
DEFAULT_STALE_SECONDS = 1800

#: problems of the run itself, beside those of workflows.checkpoints (English, then the user's language)
_OWN_MESSAGES = {
    "error": ("the check stopped on an error: {reason}", _("việc kiểm tra dừng vì lỗi: {reason}")),
    "abandoned": (
        "the check stopped moving (the worker stopped?)",
        _("việc kiểm tra không tiến triển nữa (tiến trình nền đã dừng?)"),
    ),
}


def batch_size() -> int:
    return max(1, int(getattr(settings, "AUDIT_CHECK_BATCH_SIZE", DEFAULT_BATCH_SIZE)))


def _as_item(problem: LogProblem) -> dict:
    return {"code": problem.code, "params": problem.params}


def problem_reason(item: dict) -> str:
    """A stored problem in English (logs, the run's first failure)."""
    if item["code"] in _OWN_MESSAGES:
        return _OWN_MESSAGES[item["code"]][0].format(**item.get("params", {}))
    return LogProblem(item["code"], item.get("params", {})).reason


def problem_label(item: dict) -> str:
    """A stored problem in the user's language (the run's page)."""
    if item["code"] in _OWN_MESSAGES:
        return str(_OWN_MESSAGES[item["code"]][1]).format(**item.get("params", {}))
    return LogProblem(item["code"], item.get("params", {})).label


def _problem_sequence(item: dict) -> int | None:
    """The first event a problem concerns, if it names one."""
    params = item.get("params", {})
    code = item["code"]
    if code in ("missing_tail", "empty_log"):
        return params["last"] + 1
    if code == "head_behind":
        return params["head"] + 1
    if code == "head_hash":
        return params["last"]
    if code in ("bad_signature", "unknown_key", "file_not_in_database"):  # the checkpoint's chain 1 position
        return params.get("sequence") or None  # chain 1 empty when it was signed: no event #0 to point at
    return params.get("sequence")


def _problem_chain(item: dict) -> int | None:
    """The chain of the first event a problem concerns (1 for a problem of the first chain or of no chain in
    particular, such as a checkpoint's signature), if it names an event."""
    if _problem_sequence(item) is None:
        return None
    return int(item.get("params", {}).get("chain", FIRST_CHAIN))


# --- starting -------------------------------------------------------------------------------------------


def active_run() -> AuditCheckRun | None:
    """The run queued or running now, if any; one that has stopped moving is closed as abandoned first."""
    run = AuditCheckRun.objects.filter(active=True).first()
    if run is None:
        return None
    stale = timedelta(seconds=int(getattr(settings, "AUDIT_CHECK_STALE_SECONDS", DEFAULT_STALE_SECONDS)))
    if run.updated_at < timezone.now() - stale:
        _finish(run.pk, [{"code": "abandoned", "params": {}}], [], notify=False, only_if_active=True)
        return None
    return run


def start_audit_check(*, mode: str, actor: audit.Actor, queue: bool = True) -> tuple[AuditCheckRun, bool]:
    """Queue a check and record who asked for it (`audit_check_started`). One at a time: while a run is queued
    or running, that run is returned instead (and `False`). Without a broker the run completes here.
    `queue=False` leaves the new run queued for the caller to perform (`manage.py verify_audit
    --since-checkpoint` runs it in its own process)."""
    if mode not in AuditCheckMode.values:
        raise ValueError(f"unknown audit check mode {mode!r}")
    running = active_run()
    if running is not None:
        return running, False
    try:
        with transaction.atomic():
            run = AuditCheckRun.objects.create(mode=mode, started_by=actor.user)
            audit.record(subject=run, actor=actor, verb="audit_check_started", data={"mode": mode})
    except IntegrityError:  # another start won the race for the one active run
        running = AuditCheckRun.objects.filter(active=True).first()
        if running is None:
            raise
        return running, False
    if queue:
        _enqueue(run.pk)
    run.refresh_from_db()
    return run, True


def _enqueue(run_id: int) -> None:
    from .tasks import run_audit_check

    if settings.CELERY_TASK_ALWAYS_EAGER:  # in this process: it sees the run even before a commit
        run_audit_check.delay(run_id)
    else:  # a worker must find the run committed
        transaction.on_commit(lambda: run_audit_check.delay(run_id))


# --- running --------------------------------------------------------------------------------------------


def perform_run(run_id: int) -> AuditCheckRun | None:
    """Do a queued run (the Celery task's body). A run already started, finished or abandoned is left alone."""
    now = timezone.now()
    if not AuditCheckRun.objects.filter(pk=run_id, state=AuditCheckState.QUEUED, active=True).update(
        state=AuditCheckState.RUNNING, started_at=now, updated_at=now
    ):
        return AuditCheckRun.objects.filter(pk=run_id).first()
    run = AuditCheckRun.objects.get(pk=run_id)
    try:
        if run.mode == AuditCheckMode.INCREMENTAL:
            problems, warnings = _incremental(run)
        else:
            problems, warnings = _full(run)
    except Exception as exc:  # a crash must not leave the run "running": it is a failed check, and said so
        logger.exception("audit check run %s stopped on an error", run_id)
        problems, warnings = (
            [{"code": "error", "params": {"reason": f"{type(exc).__name__}: {exc}"[:300]}}],
            [],
        )
    _finish(run_id, problems, warnings)
    return AuditCheckRun.objects.get(pk=run_id)


def _progress(run_id: int, **fields) -> None:
    AuditCheckRun.objects.filter(pk=run_id).update(updated_at=timezone.now(), **fields)


def _walk(
    run_id: int,
    first: int,
    last: int,
    expected_prev: str,
    *,
    chain: int = FIRST_CHAIN,
    done: int = 0,
) -> tuple[int, ChainProblem | None]:
    """Verify events first..last of `chain` in batches, each from the stored hash of the event before it (the
    previous batch checked that hash, as verify_chain_parallel's slices do); record the count after each batch
    (`done`: the events the run checked before, in other chains)."""
    size = batch_size()
    checked = done
    start = first
    while start <= last:
        end = min(start + size - 1, last)
        walk = verify_chain(chunk_size=size, first=start, last=end, expected_prev=expected_prev, chain=chain)
        problem, count = None, 0
        try:
            for item in walk:
                if isinstance(item, ChainProblem):
                    problem = item
                    break
                count = item
        finally:
            walk.close()  # ends the walk's read transaction before the progress is written
        checked += count
        _progress(run_id, checked=checked)
        if problem is not None:
            return checked, problem
        expected_prev = (
            AuditEvent.objects.filter(chain=chain, sequence=end).values_list("hash", flat=True).first()
        )
        start = end + 1
    return checked, None


def _chain_item(problem: ChainProblem) -> dict:
    return _as_item(chain_problem(problem))


def _walk_chains(run_id: int, ranges: dict, starts: dict) -> list[dict]:
    """Walk each chain's range ({"<chain>": [first, last]}), linked from its start hash (`starts`: {chain:
    hash}; the genesis hash otherwise), chain by chain; one problem per broken chain."""
    problems, checked = [], 0
    for key in sorted(ranges, key=int):
        chain, (first, last) = int(key), ranges[key]
        expected_prev = starts.get(chain, GENESIS_HASH)
        checked, problem = _walk(run_id, first, last, expected_prev, chain=chain, done=checked)
        if problem is not None:
            problems.append(_chain_item(problem))
    return problems


def _full(run: AuditCheckRun) -> tuple[list[dict], list[dict]]:
    tails = chain_tails()
    ranges = {str(chain): [1, last] for chain, (last, _digest) in sorted(tails.items())}
    total = sum(last for last, _digest in tails.values())
    to_sequence = tails[FIRST_CHAIN][0] if FIRST_CHAIN in tails else 0
    _progress(run.pk, from_sequence=1, to_sequence=to_sequence, total=total, chain_ranges=ranges)
    problems = _walk_chains(run.pk, ranges, {})
    report = verify_log(with_chain=False)  # every head, every checkpoint and checkpoint file
    _progress(run.pk, checkpoints_checked=report.checkpoints)
    problems += [_as_item(problem) for problem in report.problems]
    return problems, [_as_item(warning) for warning in report.warnings]


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M:%S")


def _checkpoint_problems(checkpoint: SignedCheckpoint, tails: dict) -> list[dict]:
    """Can the run start after this checkpoint? Its signature must be good, by a trusted key, and in every chain
    it signed, the event at its position must exist and still have the signed hash."""
    params = checkpoint_params(checkpoint)
    verdict = checkpoint.signature_ok(trusted_keys())
    if verdict is None:
        return [_as_item(LogProblem("unknown_key", params))]
    if verdict is False:
        return [_as_item(LogProblem("bad_signature", params))]
    positions = checkpoint.positions()
    reached = {(c, s) for c, (s, _h) in positions.items() if 0 < s <= tails.get(c, (0, ""))[0]}
    hashes = hashes_at(reached)
    problems = []
    for chain, (sequence, digest) in sorted(positions.items()):
        if not sequence:  # chain 1 had no event yet when it was signed
            continue
        if (chain, sequence) not in reached:
            problems.append(tail_problem(chain, sequence, tails, params["signed_at"]))
        elif hashes.get((chain, sequence)) != digest:
            problems.append(LogProblem("rewritten", {**params, "sequence": sequence, **in_chain(chain)}))
    return [_as_item(problem) for problem in problems]


def _incremental(run: AuditCheckRun) -> tuple[list[dict], list[dict]]:
    tails = chain_tails()
    warnings = []
    if getattr(settings, "AUDIT_SIGNING_KEY_IS_DEVELOPMENT", False):
        warnings.append(_as_item(LogProblem("development_key")))
    latest = AuditCheckpoint.objects.order_by("-signed_at", "-pk").first()
    starts, problems = {}, []  # {chain: (last sequence signed, its hash)}
    if latest is not None:
        checkpoint = SignedCheckpoint.of(latest)
        _progress(run.pk, resumed_from=latest, checkpoints_checked=1)
        problems = _checkpoint_problems(checkpoint, tails)
        starts = {chain: place for chain, place in checkpoint.positions().items() if place[0]}
        interval = getattr(settings, "AUDIT_CHECKPOINT_INTERVAL", 3600)
        if timezone.now() - checkpoint.signed_at > timedelta(seconds=2 * interval):
            warnings.append(
                _as_item(LogProblem("stale_checkpoint", {"signed_at": _when(checkpoint.signed_at)}))
            )
    elif tails:
        warnings.append(_as_item(LogProblem("no_checkpoint")))
    problems += _file_problems()
    ranges = {}
    for chain, (last, _digest) in sorted(tails.items()):
        first = starts[chain][0] + 1 if chain in starts else 1
        if first <= last:
            ranges[str(chain)] = [first, last]
    total = sum(last - first + 1 for first, last in ranges.values())
    from_sequence = starts[FIRST_CHAIN][0] + 1 if FIRST_CHAIN in starts else 1
    to_sequence = tails[FIRST_CHAIN][0] if FIRST_CHAIN in tails else 0
    _progress(run.pk, from_sequence=from_sequence, to_sequence=to_sequence, total=total, chain_ranges=ranges)
    if problems:  # nothing can be linked to a checkpoint that is not trustworthy
        return problems, warnings
    problems += _walk_chains(run.pk, ranges, {chain: digest for chain, (_s, digest) in starts.items()})
    problems += [_as_item(problem) for problem in head_problems()]
    return problems, warnings


def _file_problems() -> list[dict]:
    """The furthest checkpoint file must be in the database as it was signed (its row deleted, or another
    signed row put in its place, is noticed): one lookup, not the comparison of every file a full run makes."""
    files, unreadable = read_checkpoint_files()
    problems = [_as_item(LogProblem("unreadable_file", {"origin": name})) for name in unreadable]
    furthest = max(files, key=lambda f: (f.signed_at, f.sequence), default=None)
    if furthest is not None and not any(
        furthest.same_as(SignedCheckpoint.of(row))
        for row in AuditCheckpoint.objects.filter(sequence=furthest.sequence)
    ):
        problems.append(
            _as_item(
                LogProblem(
                    "file_not_in_database",
                    {
                        "origin": furthest.origin,
                        "sequence": furthest.sequence,
                        "places": signed_places(furthest),
                    },
                )
            )
        )
    return problems


def _finish(
    run_id: int, problems: list[dict], warnings: list[dict], *, notify: bool = True, only_if_active=False
) -> None:
    first = problems[0] if problems else None
    fields = {
        "state": AuditCheckState.FAILED if problems else AuditCheckState.PASSED,
        "active": None,
        "finished_at": timezone.now(),
        "problems": problems,
        "warnings": warnings,
        "failure_sequence": _problem_sequence(first) if first else None,
        "failure_chain": _problem_chain(first) if first else None,
        "failure_reason": problem_reason(first)[:500] if first else "",
    }
    runs = AuditCheckRun.objects.filter(pk=run_id)
    if only_if_active:
        runs = runs.filter(active=True)
    if not runs.update(updated_at=timezone.now(), **fields):
        return
    if problems:
        logger.error("audit check run %s failed: %s", run_id, fields["failure_reason"])
        if notify:
            notify_failure(AuditCheckRun.objects.get(pk=run_id))


# --- a failed check -------------------------------------------------------------------------------------


def failure_recipients() -> list:
    """The auditors and the Board head who hold their role today (city-wide)."""
    user_ids = (
        Membership.objects.filter(active_q(timezone.localdate()))
        .filter(Q(role__in=[Role.AUDITOR, Role.BOARD_HEAD], unit__isnull=True, council_term__isnull=True))
        .values("user_id")
    )
    return list(get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("pk"))


def notify_failure(run: AuditCheckRun) -> int:
    """One notification per auditor and Board head; each is mailed by its own task after the commit."""
    from .notifications import create_notification

    item = run.problems[0] if run.problems else {"code": "error", "params": {"reason": run.failure_reason}}
    text = str(_("Kiểm tra nhật ký kiểm toán #%(run)s phát hiện nhật ký không toàn vẹn: %(problem)s")) % {
        "run": run.pk,
        "problem": problem_label(item),
    }
    url = reverse("audit_check_run", kwargs={"pk": run.pk})
    sent = 0
    with transaction.atomic():
        for user in failure_recipients():
            created = create_notification(
                recipient=user,
                key=f"audit-check:{run.pk}",
                text=text,
                url=url,
                subject=str(_("Nhật ký kiểm toán không toàn vẹn")),
                body=text,
            )
            sent += created is not None
    return sent
