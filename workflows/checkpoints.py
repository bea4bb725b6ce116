"""Signed checkpoints of the audit chain, and the whole-log verification behind `manage.py verify_audit`.

The hash chain alone proves that the events link up, not that they are the events that were written:
someone with write access to the database can recompute every hash from event k on, delete the tail and
move the chain head back, or wipe the table. A checkpoint is an Ed25519 signature over the chain head
(sequence, hash, time), made with a private key that lives in the environment (AUDIT_SIGNING_KEY), never in
the database; it is stored in the database and written as a file to AUDIT_CHECKPOINT_DIR, which operators
copy off the machine. verify_audit then checks, besides the chain walk:

- the chain head against the last event (a missing tail, a replaced last event, an empty log whose head
  says there were events);
- every checkpoint's signature against the configured public keys (never a key read from the database);
- the event at every checkpoint's sequence still has the signed hash (a recomputed chain fails here), and
  the log reaches every checkpoint (a deleted tail fails here even when the head was moved back);
- every checkpoint file has the same checkpoint in the database (wiping the checkpoint table is noticed).

What no checkpoint can prove: events written after the latest checkpoint whose copy left the machine
(docs/security.md, threat model). Signing adds no work per transition: the beat task signs hourly.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .audit import GENESIS_HASH, ChainProblem, verify_chain, verify_chain_parallel
from .models import AuditChainHead, AuditCheckpoint, AuditEvent

MESSAGE_PREFIX = "tdkt-audit-checkpoint/1"
FILE_PREFIX = "checkpoint-"


class CheckpointError(Exception):
    """A checkpoint cannot be signed (no key, no directory, nothing to sign, a chain that does not verify).

    The message is English (command line, logs); `label` says it in the user's language (the auditor's page).
    """

    def __init__(self, message: str, label=None):
        super().__init__(message)
        self.label = str(label) if label is not None else message


# --- keys -------------------------------------------------------------------------------------------------


def _decode_key(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (ValueError, TypeError) as exc:
        raise CheckpointError(f"{what} is not base64", _("khóa ký không hợp lệ")) from exc
    if len(raw) != 32:
        raise CheckpointError(
            f"{what} must be 32 bytes in base64 (found {len(raw)} bytes)", _("khóa ký không hợp lệ")
        )
    return raw


def raw_public_key(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public_key: Ed25519PublicKey) -> str:
    """Which key signed a checkpoint: the first 16 hex digits of SHA-256 over the raw public key."""
    return hashlib.sha256(raw_public_key(public_key)).hexdigest()[:16]


def signing_key() -> Ed25519PrivateKey:
    """The private key from settings.AUDIT_SIGNING_KEY (base64 of the raw 32-byte Ed25519 seed)."""
    text = getattr(settings, "AUDIT_SIGNING_KEY", "")
    if not text:
        raise CheckpointError(
            "AUDIT_SIGNING_KEY is not set: checkpoints cannot be signed "
            "(generate one with `manage.py audit_checkpoint --new-key`)",
            _("máy chủ chưa được cấu hình khóa ký (AUDIT_SIGNING_KEY)"),
        )
    return Ed25519PrivateKey.from_private_bytes(_decode_key(text, "AUDIT_SIGNING_KEY"))


def trusted_keys() -> dict[str, Ed25519PublicKey]:
    """The public keys a checkpoint may be signed with, by key id: AUDIT_VERIFY_KEYS (base64 raw 32-byte
    public keys, e.g. retired keys after a rotation) and the public half of AUDIT_SIGNING_KEY."""
    keys = {}
    for text in getattr(settings, "AUDIT_VERIFY_KEYS", []):
        public = Ed25519PublicKey.from_public_bytes(_decode_key(text, "AUDIT_VERIFY_KEYS"))
        keys[key_id(public)] = public
    if getattr(settings, "AUDIT_SIGNING_KEY", ""):
        public = signing_key().public_key()
        keys[key_id(public)] = public
    return keys


def new_key() -> tuple[str, str]:
    """A fresh key pair as (AUDIT_SIGNING_KEY, its public key for AUDIT_VERIFY_KEYS), both base64."""
    from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

    private = Ed25519PrivateKey.generate()
    seed = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return base64.b64encode(seed).decode(), base64.b64encode(raw_public_key(private.public_key())).decode()


# --- the signed statement ---------------------------------------------------------------------------------


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def checkpoint_message(sequence: int, digest: str, signed_at: datetime) -> bytes:
    """The canonical bytes a checkpoint signs: prefix, sequence, hash and UTC time, one per line."""
    return f"{MESSAGE_PREFIX}\n{int(sequence)}\n{digest}\n{_utc_text(signed_at)}".encode()


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint as read from the database or from a file (`origin` says which)."""

    sequence: int
    hash: str
    signed_at: datetime
    key_id: str
    signature: str
    origin: str = "database"

    def as_json(self) -> dict:
        return {
            "sequence": self.sequence,
            "hash": self.hash,
            "signed_at": _utc_text(self.signed_at),
            "key_id": self.key_id,
            "signature": self.signature,
        }

    def same_as(self, other: SignedCheckpoint) -> bool:
        return self.as_json() == other.as_json()

    def signature_ok(self, keys: dict[str, Ed25519PublicKey]) -> bool | None:
        """True or False; None when the signing key is not among the trusted keys."""
        public = keys.get(self.key_id)
        if public is None:
            return None
        try:
            public.verify(
                base64.b64decode(self.signature), checkpoint_message(self.sequence, self.hash, self.signed_at)
            )
        except (InvalidSignature, ValueError):
            return False
        return True

    @classmethod
    def of(cls, row: AuditCheckpoint) -> SignedCheckpoint:
        return cls(row.sequence, row.hash, row.signed_at, row.key_id, row.signature)


def checkpoint_dir() -> Path | None:
    value = getattr(settings, "AUDIT_CHECKPOINT_DIR", "")
    return Path(value) if value else None


def _file_name(checkpoint: SignedCheckpoint) -> str:
    return f"{FILE_PREFIX}{checkpoint.sequence:012d}-{checkpoint.signed_at.astimezone(UTC):%Y%m%dT%H%M%S%fZ}.json"


def _write_file(directory: Path, checkpoint: SignedCheckpoint) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / _file_name(checkpoint)
    partial = path.with_suffix(".part")
    partial.write_text(json.dumps(checkpoint.as_json(), sort_keys=True) + "\n", encoding="utf-8")
    os.replace(partial, path)
    return path


def read_checkpoint_files(directory: Path | None = None) -> tuple[list[SignedCheckpoint], list[str]]:
    """The checkpoints in the directory, and the names of files that are not readable checkpoints."""
    directory = directory or checkpoint_dir()
    found, unreadable = [], []
    if directory is None or not directory.is_dir():
        return found, unreadable
    for path in sorted(directory.glob(f"{FILE_PREFIX}*.json")):
        try:
            item = json.loads(path.read_text(encoding="utf-8"))
            signed_at = datetime.fromisoformat(item["signed_at"])
            found.append(
                SignedCheckpoint(
                    int(item["sequence"]),
                    str(item["hash"]),
                    signed_at,
                    str(item["key_id"]),
                    str(item["signature"]),
                    origin=path.name,
                )
            )
        except (OSError, ValueError, KeyError, TypeError):
            unreadable.append(path.name)
    return found, unreadable


# --- signing ----------------------------------------------------------------------------------------------


def _verify_since(previous: AuditCheckpoint | None, last_sequence: int) -> ChainProblem | None:
    """The chain from the previous checkpoint to the head verifies (the whole chain for the first one)."""
    first, expected_prev = 1, GENESIS_HASH
    if previous is not None:
        at_previous = (
            AuditEvent.objects.filter(sequence=previous.sequence).values_list("hash", flat=True).first()
        )
        if at_previous != previous.hash:
            return ChainProblem(previous.sequence, 0, "the event differs from the previous signed checkpoint")
        first, expected_prev = previous.sequence + 1, previous.hash
    if first > last_sequence:
        return None
    for item in verify_chain(first=first, last=last_sequence, expected_prev=expected_prev):
        if isinstance(item, ChainProblem):
            return item
    return None


def audit_checkpoint_sign(*, actor=None, only_if_moved: bool = False) -> AuditCheckpoint | None:
    """Sign the chain head now: store the checkpoint and write its file. Returns it, or None when
    `only_if_moved` and the head has not moved since the latest checkpoint (the hourly beat task).

    Refuses (CheckpointError) without a key or a directory, on an empty log, and when the chain since the
    previous checkpoint does not verify: a checkpoint must never vouch for a tampered chain. Not an audit
    event itself: the signed, append-only checkpoint row (with who asked for it) is its own record, and an
    event would move the head it has just signed.
    """
    private = signing_key()
    directory = checkpoint_dir()
    if directory is None:
        raise CheckpointError(
            "AUDIT_CHECKPOINT_DIR is not set: checkpoints need a copy outside the database",
            _("máy chủ chưa được cấu hình thư mục lưu điểm kiểm chứng (AUDIT_CHECKPOINT_DIR)"),
        )
    head = AuditChainHead.objects.filter(pk=1).values_list("sequence", "hash").first()
    last = AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash").first()
    if last is None:
        raise CheckpointError("the audit log has no event to sign", _("nhật ký chưa có sự kiện nào để ký"))
    if head is not None and head != last:
        raise CheckpointError(
            f"the chain head (#{head[0]}) does not match the last event (#{last[0]}): run verify_audit",
            _("đầu chuỗi không khớp sự kiện cuối cùng; hãy kiểm tra toàn bộ chuỗi"),
        )
    previous = AuditCheckpoint.objects.order_by("-sequence", "-signed_at").first()
    if only_if_moved and previous is not None and previous.sequence == last[0] and previous.hash == last[1]:
        return None
    problem = _verify_since(previous, last[0])
    if problem is not None:
        raise CheckpointError(
            f"the chain does not verify at event #{problem.sequence}: {problem.reason}",
            _("chuỗi bị phá vỡ tại sự kiện #%(sequence)s; không ký cho một chuỗi đã bị sửa")
            % {"sequence": problem.sequence},
        )
    signed_at = timezone.now()
    signature = base64.b64encode(private.sign(checkpoint_message(last[0], last[1], signed_at))).decode()
    written = None
    try:
        with transaction.atomic():
            row = AuditCheckpoint.objects.create(
                sequence=last[0],
                hash=last[1],
                signed_at=signed_at,
                key_id=key_id(private.public_key()),
                signature=signature,
                requested_by=getattr(actor, "user", actor) if actor is not None else None,
            )
            written = _write_file(directory, SignedCheckpoint.of(row))
    except BaseException:
        if written is not None:  # the row was not committed: no file may claim it was
            written.unlink(missing_ok=True)
        raise
    return row


# --- verification -----------------------------------------------------------------------------------------

_MESSAGES = {
    "chain": (
        "audit chain broken at event #{sequence} (id {event_id}): {reason}",
        _("chuỗi bị phá vỡ tại sự kiện #{sequence} (id {event_id}): {reason}"),
    ),
    "missing_tail": (
        "missing tail: {where} is at event #{expected} but the log ends at #{last} ({missing} events missing)",
        _(
            "mất phần cuối: {where} ở sự kiện #{expected} nhưng nhật ký dừng ở #{last} (thiếu {missing} sự kiện)"
        ),
    ),
    "empty_log": (
        "empty log where there were events: {where} is at event #{expected}",
        _("nhật ký trống trong khi đã có sự kiện: {where} ở sự kiện #{expected}"),
    ),
    "head_behind": (
        "events after the chain head: the head is at #{head} but the log ends at #{last}",
        _("có sự kiện sau đầu chuỗi: đầu chuỗi ở #{head} nhưng nhật ký dừng ở #{last}"),
    ),
    "head_hash": (
        "the chain head's hash differs from event #{last}'s (the last event was replaced)",
        _("mã băm của đầu chuỗi khác mã băm của sự kiện #{last} (sự kiện cuối đã bị thay)"),
    ),
    "head_missing": (
        "the chain head is missing while the log has {count} events",
        _("thiếu đầu chuỗi trong khi nhật ký có {count} sự kiện"),
    ),
    "rewritten": (
        "event #{sequence} does not match the checkpoint signed at {signed_at} "
        "(the chain was rewritten or recomputed)",
        _(
            "sự kiện #{sequence} không khớp điểm kiểm chứng ký lúc {signed_at} (chuỗi đã bị viết lại hoặc tính lại)"
        ),
    ),
    "bad_signature": (
        "the checkpoint at event #{sequence} signed at {signed_at} ({origin}) has a forged signature",
        _("điểm kiểm chứng tại sự kiện #{sequence} ký lúc {signed_at} ({origin}) có chữ ký giả"),
    ),
    "unknown_key": (
        "the checkpoint at event #{sequence} signed at {signed_at} ({origin}) is signed by key {key_id}, "
        "which is not among the trusted keys (AUDIT_SIGNING_KEY, AUDIT_VERIFY_KEYS)",
        _(
            "điểm kiểm chứng tại sự kiện #{sequence} ký lúc {signed_at} ({origin}) dùng khóa {key_id} "
            "không nằm trong các khóa tin cậy"
        ),
    ),
    "file_not_in_database": (
        "checkpoint file {origin} (event #{sequence}) is missing from the database or differs from it",
        _("tệp điểm kiểm chứng {origin} (sự kiện #{sequence}) không có hoặc khác trong cơ sở dữ liệu"),
    ),
    # warnings: the log is intact, but less protected than it should be
    "development_key": (
        "AUDIT_SIGNING_KEY is not set: checkpoints use the development key derived from the secret key",
        _("chưa cấu hình AUDIT_SIGNING_KEY: điểm kiểm chứng dùng khóa phát triển suy ra từ khóa bí mật"),
    ),
    "no_checkpoint": (
        "no signed checkpoint yet: run `manage.py audit_checkpoint`",
        _("chưa có điểm kiểm chứng nào được ký"),
    ),
    "stale_checkpoint": (
        "the latest checkpoint is from {signed_at}: is the beat task running?",
        _("điểm kiểm chứng mới nhất ký lúc {signed_at}: tác vụ định kỳ có đang chạy không?"),
    ),
    "unreadable_file": (
        "checkpoint file {origin} is not a readable checkpoint",
        _("tệp điểm kiểm chứng {origin} không đọc được"),
    ),
}


@dataclass(frozen=True)
class LogProblem:
    code: str
    params: dict = field(default_factory=dict)

    @property
    def reason(self) -> str:
        """English, for the command line and logs."""
        return _MESSAGES[self.code][0].format(**self.params)

    @property
    def label(self) -> str:
        """In the user's language, for the auditor's page (the English parts of the parameters translated)."""
        params = dict(self.params)
        if "where" in params:
            params["where"] = _where_label(params)
        if "reason" in params:
            params["reason"] = _chain_reason_label(params["reason"])
        return str(_MESSAGES[self.code][1]).format(**params)


def _where_label(params: dict) -> str:
    """Which record says how long the log should be: the chain head, or a signed checkpoint."""
    if params.get("where_signed_at"):
        return str(_("điểm kiểm chứng ký lúc {signed_at}")).format(signed_at=params["where_signed_at"])
    return str(_("đầu chuỗi"))


_CHAIN_REASONS = (
    (re.compile(r"expected sequence (\d+), found (\d+)"), _("cần số thứ tự {0}, gặp {1}")),
    (re.compile(r"prev_hash does not match"), _("mã băm trước không khớp mã băm của sự kiện trước")),
    (re.compile(r"content does not match its hash"), _("nội dung không khớp mã băm (dòng đã bị sửa)")),
    (re.compile(r"event #(\d+) is missing"), _("thiếu sự kiện #{0}")),
)


def _chain_reason_label(reason: str) -> str:
    """workflows.audit's English reason for a broken chain, in the user's language."""
    for pattern, label in _CHAIN_REASONS:
        match = pattern.search(reason)
        if match:
            return str(label).format(*match.groups())
    return reason

    def __str__(self) -> str:
        return self.reason


@dataclass
class LogReport:
    checked: int = 0
    last_sequence: int = 0
    checkpoints: int = 0
    checkpoint_files: int = 0
    latest_checkpoint: SignedCheckpoint | None = None
    problems: list[LogProblem] = field(default_factory=list)
    warnings: list[LogProblem] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M:%S")


def _hashes_at(sequences: set[int]) -> dict[int, str]:
    found, ordered = {}, sorted(sequences)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        found.update(AuditEvent.objects.filter(sequence__in=chunk).values_list("sequence", "hash"))
    return found


def head_problems(last: tuple[int, str] | None) -> list[LogProblem]:
    """The chain head against the last event (sequence, hash): a missing tail, an emptied log, events after
    the head, a replaced last event, a missing head."""
    problems = []
    last_sequence = last[0] if last else 0
    head = AuditChainHead.objects.filter(pk=1).values_list("sequence", "hash").first()
    if head is not None and head[0] > last_sequence:
        code = "missing_tail" if last else "empty_log"
        problems.append(
            LogProblem(
                code,
                {
                    "where": "the chain head",
                    "expected": head[0],
                    "last": last_sequence,
                    "missing": head[0] - last_sequence,
                },
            )
        )
    elif head is not None and last is not None and head[0] < last_sequence:
        problems.append(LogProblem("head_behind", {"head": head[0], "last": last_sequence}))
    elif head is not None and last is not None and head[1] != last[1]:
        problems.append(LogProblem("head_hash", {"last": last_sequence}))
    elif head is None and last is not None:
        problems.append(LogProblem("head_missing", {"count": AuditEvent.objects.count()}))
    return problems


def verify_log(workers: int = 1, *, with_files: bool = True, with_chain: bool = True) -> LogReport:
    """Everything verify_audit checks: the chain, its head and tail, every checkpoint and checkpoint file.
    `with_chain=False` leaves out the chain walk (the auditor's check run walks it in batches itself)."""
    report = LogReport()
    if with_chain:
        checked, problem = verify_chain_parallel(workers)
        report.checked = checked
        if problem is not None:
            report.problems.append(
                LogProblem(
                    "chain",
                    {"sequence": problem.sequence, "event_id": problem.event_id, "reason": problem.reason},
                )
            )
    last = AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash").first()
    last_sequence = last[0] if last else 0
    report.last_sequence = last_sequence
    report.problems.extend(head_problems(last))

    stored = [SignedCheckpoint.of(row) for row in AuditCheckpoint.objects.order_by("sequence", "signed_at")]
    files, unreadable = read_checkpoint_files() if with_files else ([], [])
    report.checkpoints, report.checkpoint_files = len(stored), len(files)
    for name in unreadable:
        report.problems.append(LogProblem("unreadable_file", {"origin": name}))
    for checkpoint in files:
        if not any(checkpoint.same_as(row) for row in stored if row.sequence == checkpoint.sequence):
            report.problems.append(
                LogProblem(
                    "file_not_in_database", {"origin": checkpoint.origin, "sequence": checkpoint.sequence}
                )
            )
    checkpoints = stored + [f for f in files if not any(f.same_as(row) for row in stored)]
    keys = trusted_keys() if checkpoints else {}
    hashes = _hashes_at({c.sequence for c in checkpoints if c.sequence <= last_sequence})
    furthest = None
    for checkpoint in checkpoints:
        params = {
            "sequence": checkpoint.sequence,
            "signed_at": _when(checkpoint.signed_at),
            "origin": checkpoint.origin,
            "key_id": checkpoint.key_id,
        }
        verdict = checkpoint.signature_ok(keys)
        if verdict is None:
            report.problems.append(LogProblem("unknown_key", params))
            continue
        if verdict is False:
            report.problems.append(LogProblem("bad_signature", params))
            continue
        if furthest is None or checkpoint.sequence > furthest.sequence:
            furthest = checkpoint
        if checkpoint.sequence <= last_sequence and hashes.get(checkpoint.sequence) != checkpoint.hash:
            report.problems.append(LogProblem("rewritten", params))
    if furthest is not None and furthest.sequence > last_sequence:
        report.problems.append(
            LogProblem(
                "missing_tail" if last else "empty_log",
                {
                    "where": f"the checkpoint signed at {_when(furthest.signed_at)}",
                    "where_signed_at": _when(furthest.signed_at),
                    "expected": furthest.sequence,
                    "last": last_sequence,
                    "missing": furthest.sequence - last_sequence,
                },
            )
        )
    latest = max(checkpoints, key=lambda c: c.signed_at, default=None)
    report.latest_checkpoint = latest
    interval = getattr(settings, "AUDIT_CHECKPOINT_INTERVAL", 3600)
    if getattr(settings, "AUDIT_SIGNING_KEY_IS_DEVELOPMENT", False):
        report.warnings.append(LogProblem("development_key"))
    if last is not None and latest is None:
        report.warnings.append(LogProblem("no_checkpoint"))
    elif latest is not None and timezone.now() - latest.signed_at > timedelta(seconds=2 * interval):
        report.warnings.append(LogProblem("stale_checkpoint", {"signed_at": _when(latest.signed_at)}))
    return report
