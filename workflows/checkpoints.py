"""Signed checkpoints of the audit chains, and the whole-log verification behind `manage.py verify_audit`.

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

The log is one or more chains (workflows/audit.py, docs/audit-chains.md): each is checked against its own head
row, and a checkpoint signs every chain's head at once (chain 1's in `sequence`/`hash`, the others' in `heads`),
so each chain's position in every checkpoint is checked as the single chain's was. A checkpoint of a log with one
chain signs exactly the message it always signed.

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

from .audit import (
    FIRST_CHAIN,
    GENESIS_HASH,
    ChainProblem,
    chain_tails,
    chains,
    verify_chain,
    verify_chain_parallel,
)
from .models import AuditCheckpoint, AuditEvent

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


def position(chain: int, sequence: int) -> str:
    """An event's place as people read it (as AuditEvent.position): "15" in chain 1, "3·15" in chain 3."""
    return str(sequence) if int(chain) == FIRST_CHAIN else f"{int(chain)}·{sequence}"


def normalise_heads(heads) -> dict[str, list]:
    """The other chains' heads as stored and written: {"<chain>": [sequence, hash]}, chain numbers above 1.
    Raises ValueError on anything else (a checkpoint file that is not one)."""
    normal = {}
    for key, value in dict(heads or {}).items():
        chain = int(key)
        sequence, digest = value
        if chain <= FIRST_CHAIN or isinstance(sequence, bool) or not isinstance(digest, str):
            raise ValueError(f"not a chain head: {key!r}: {value!r}")
        normal[str(chain)] = [int(sequence), digest]
    return normal


def checkpoint_message(sequence: int, digest: str, signed_at: datetime, heads=None) -> bytes:
    """The canonical bytes a checkpoint signs: prefix, sequence, hash and UTC time, one per line (chain 1's head);
    then one line per other chain, "<chain>:<sequence>:<hash>", by chain number. Without other chains, exactly
    the message a single chain's checkpoint always signed."""
    lines = [MESSAGE_PREFIX, str(int(sequence)), digest, _utc_text(signed_at)]
    others = normalise_heads(heads)
    lines += [f"{chain}:{others[chain][0]}:{others[chain][1]}" for chain in sorted(others, key=int)]
    return "\n".join(lines).encode()


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint as read from the database or from a file (`origin` says which)."""

    sequence: int
    hash: str
    signed_at: datetime
    key_id: str
    signature: str
    origin: str = "database"
    #: the other chains' heads, {"<chain>": [sequence, hash]} (empty with one chain)
    heads: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        statement = {
            "sequence": self.sequence,
            "hash": self.hash,
            "signed_at": _utc_text(self.signed_at),
            "key_id": self.key_id,
            "signature": self.signature,
        }
        if self.heads:  # a single chain's checkpoint reads (and is written) as it always was
            try:
                statement["heads"] = normalise_heads(self.heads)
            except (ValueError, TypeError):  # a row someone wrote by hand: as it is (its signature fails)
                statement["heads"] = self.heads
        return statement

    def positions(self) -> dict[int, tuple[int, str]]:
        """Every chain's signed head, {chain: (sequence, hash)}; chain 1 at sequence 0 when it had no event. An
        entry that is not a chain's head (a row written by hand, whose signature fails) is left out."""
        found = {FIRST_CHAIN: (self.sequence, self.hash)}
        for key, value in (self.heads if isinstance(self.heads, dict) else {}).items():
            try:
                [(chain, (sequence, digest))] = normalise_heads({key: value}).items()
            except (ValueError, TypeError):
                continue
            found[int(chain)] = (sequence, digest)
        return found

    def places(self) -> list[str]:
        """Every chain's signed event as people read it: ["30"] with one chain, ["30", "2·14", "3·9"] with more
        (chain 1 left out when it had no event)."""
        return [position(c, s) for c, (s, _h) in sorted(self.positions().items()) if s or not self.heads]

    def at_text(self) -> str:
        """Where the checkpoint is, for the command line: "#30" with one chain, "#30, #2·14, #3·9" with more."""
        return ", ".join(f"#{place}" for place in self.places())

    def same_as(self, other: SignedCheckpoint) -> bool:
        return self.as_json() == other.as_json()

    def signature_ok(self, keys: dict[str, Ed25519PublicKey]) -> bool | None:
        """True or False; None when the signing key is not among the trusted keys."""
        public = keys.get(self.key_id)
        if public is None:
            return None
        try:
            message = checkpoint_message(self.sequence, self.hash, self.signed_at, self.heads)
            public.verify(base64.b64decode(self.signature), message)
        except (InvalidSignature, ValueError, TypeError):
            return False
        return True

    @classmethod
    def of(cls, row: AuditCheckpoint) -> SignedCheckpoint:
        return cls(row.sequence, row.hash, row.signed_at, row.key_id, row.signature, heads=row.heads or {})


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
                    heads=normalise_heads(item.get("heads", {})),
                )
            )
        except (OSError, ValueError, KeyError, TypeError):
            unreadable.append(path.name)
    return found, unreadable


# --- signing ----------------------------------------------------------------------------------------------

_HEADS_AND_TAILS = (
    "SELECT h.id, h.sequence, h.hash, "
    "(SELECT e.sequence FROM workflows_auditevent e WHERE e.chain = h.id ORDER BY e.sequence DESC LIMIT 1), "
    "(SELECT e.hash FROM workflows_auditevent e WHERE e.chain = h.id ORDER BY e.sequence DESC LIMIT 1) "
    "FROM workflows_auditchainhead h ORDER BY h.id"
)


def heads_and_tails() -> tuple[dict[int, tuple[int, str]], dict[int, tuple[int, str]]]:
    """Every chain's head row and its last event, {chain: (sequence, hash)} each: the head rows and their
    chains' tails in one statement (one snapshot on PostgreSQL: a writer's head and event commit together), then
    the tails of chains that have events but no head row (none unless someone deleted one)."""
    heads, tails = {}, {}
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(_HEADS_AND_TAILS)
        for chain, sequence, digest, last_sequence, last_hash in cursor.fetchall():
            heads[chain] = (sequence, digest)
            if last_sequence is not None:
                tails[chain] = (last_sequence, last_hash)
    tails.update(chain_tails([chain for chain in chains() if chain not in heads]))
    return heads, tails


def trusted_latest_checkpoint() -> AuditCheckpoint | None:
    """The latest checkpoint whose signature verifies with a trusted key: signing goes on from it (a row an
    attacker added, without the key, is not a starting point)."""
    keys = None
    for row in AuditCheckpoint.objects.order_by("-signed_at", "-pk").iterator(chunk_size=100):
        if keys is None:
            keys = trusted_keys()
        if SignedCheckpoint.of(row).signature_ok(keys):
            return row
    return None


def _verify_since(previous: AuditCheckpoint | None, tails: dict[int, tuple[int, str]]) -> ChainProblem | None:
    """Every chain from the previous checkpoint's position for it to its tail verifies (the whole chain for the
    first checkpoint, and for a chain the previous one did not hold). A chain the previous checkpoint reached
    must still hold the signed event at that position."""
    signed = SignedCheckpoint.of(previous).positions() if previous is not None else {}
    for chain in sorted(set(tails) | {c for c, (s, _h) in signed.items() if s}):
        first, expected_prev = 1, GENESIS_HASH
        at = signed.get(chain)
        if at is not None and at[0]:
            at_previous = (
                AuditEvent.objects.filter(chain=chain, sequence=at[0]).values_list("hash", flat=True).first()
            )
            if at_previous != at[1]:
                return ChainProblem(at[0], 0, "the event differs from the previous signed checkpoint", chain)
            first, expected_prev = at[0] + 1, at[1]
        last_sequence = tails.get(chain, (0, GENESIS_HASH))[0]
        if first > last_sequence:
            continue
        for item in verify_chain(first=first, last=last_sequence, expected_prev=expected_prev, chain=chain):
            if isinstance(item, ChainProblem):
                return item
    return None


def audit_checkpoint_sign(*, actor=None, only_if_moved: bool = False) -> AuditCheckpoint | None:
    """Sign every chain's head now: store the checkpoint and write its file. Returns it, or None when
    `only_if_moved` and no chain has moved since the latest checkpoint (the hourly beat task).

    Refuses (CheckpointError) without a key or a directory, on an empty log, when a chain's head row does not
    match its last event, and when a chain since the previous checkpoint's position for it does not verify: a
    checkpoint must never vouch for a tampered chain. Not an audit event itself: the signed, append-only
    checkpoint row (with who asked for it) is its own record, and an event would move a head it has just signed.
    """
    private = signing_key()
    directory = checkpoint_dir()
    if directory is None:
        raise CheckpointError(
            "AUDIT_CHECKPOINT_DIR is not set: checkpoints need a copy outside the database",
            _("máy chủ chưa được cấu hình thư mục lưu điểm kiểm chứng (AUDIT_CHECKPOINT_DIR)"),
        )
    heads, tails = heads_and_tails()
    if not tails:
        raise CheckpointError("the audit log has no event to sign", _("nhật ký chưa có sự kiện nào để ký"))
    for chain in sorted(set(heads) | set(tails)):
        head, last = heads.get(chain), tails.get(chain, (0, GENESIS_HASH))
        if head is not None and tuple(head) != tuple(last):
            raise CheckpointError(
                f"the chain head (#{position(chain, head[0])}) does not match the last event "
                f"(#{position(chain, last[0])}): run verify_audit",
                _("đầu chuỗi không khớp sự kiện cuối cùng; hãy kiểm tra toàn bộ chuỗi"),
            )
    first = tails.get(FIRST_CHAIN, (0, GENESIS_HASH))
    others = {
        str(chain): [sequence, digest] for chain, (sequence, digest) in tails.items() if chain != FIRST_CHAIN
    }
    previous = trusted_latest_checkpoint()
    if only_if_moved and previous is not None:
        signed = SignedCheckpoint.of(previous).positions()
        if {c: tuple(p) for c, p in signed.items() if p[0]} == {c: tuple(p) for c, p in tails.items()}:
            return None
    problem = _verify_since(previous, tails)
    if problem is not None:
        at = position(problem.chain, problem.sequence)
        raise CheckpointError(
            f"the chain does not verify at event #{at}: {problem.reason}",
            _("chuỗi bị phá vỡ tại sự kiện #%(sequence)s; không ký cho một chuỗi đã bị sửa")
            % {"sequence": at},
        )
    signed_at = timezone.now()
    message = checkpoint_message(first[0], first[1], signed_at, others)
    signature = base64.b64encode(private.sign(message)).decode()
    written = None
    try:
        with transaction.atomic():
            row = AuditCheckpoint.objects.create(
                sequence=first[0],
                hash=first[1],
                heads=others,
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
        "the checkpoint {at} signed at {signed_at} ({origin}) has a forged signature",
        _("điểm kiểm chứng {at} ký lúc {signed_at} ({origin}) có chữ ký giả"),
    ),
    "unknown_key": (
        "the checkpoint {at} signed at {signed_at} ({origin}) is signed by key {key_id}, "
        "which is not among the trusted keys (AUDIT_SIGNING_KEY, AUDIT_VERIFY_KEYS)",
        _(
            "điểm kiểm chứng {at} ký lúc {signed_at} ({origin}) dùng khóa {key_id} không nằm trong các khóa tin cậy"
        ),
    ),
    "file_not_in_database": (
        "checkpoint file {origin} ({events}) is missing from the database or differs from it",
        _("tệp điểm kiểm chứng {origin} ({events}) không có hoặc khác trong cơ sở dữ liệu"),
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


#: the same problems in a chain other than the first, where the first chain's words would mislead (the others
#: only show their events as "#3·15", see _shown)
_OTHER_CHAIN_MESSAGES = {
    "empty_log": (
        "chain {chain} is empty where there were events: {where} is at event #{expected}",
        _("chuỗi {chain} trống trong khi đã có sự kiện: {where} ở sự kiện #{expected}"),
    ),
    "head_missing": (
        "the head of chain {chain} is missing while the chain has {count} events",
        _("thiếu đầu chuỗi {chain} trong khi chuỗi có {count} sự kiện"),
    ),
}

#: a broken link where the event is not there to name by its id (a signed position the chain no longer holds)
_NO_EVENT_MESSAGES = {
    "chain": (
        "audit chain broken at event #{sequence}: {reason}",
        _("chuỗi bị phá vỡ tại sự kiện #{sequence}: {reason}"),
    ),
}

#: how a checkpoint's place is named in its problems, by how many chains had events when it was signed: English,
#: then the user's language; "at" in "the checkpoint at event #30", "events" in "checkpoint file … (event #30)"
_CHECKPOINT_PLACES = {
    "at": (
        ("of an empty log", "at event {0}", "at events {0}"),
        (_("của nhật ký trống"), _("tại sự kiện {0}"), _("tại các sự kiện {0}")),
    ),
    "events": (
        ("empty log", "event {0}", "events {0}"),
        (_("nhật ký trống"), _("sự kiện {0}"), _("các sự kiện {0}")),
    ),
}


def _checkpoint_place(params: dict, key: str, translated: bool) -> str:
    """A checkpoint's signed events as its problems name them: "#30", "#30, #2·14" (every chain that had events,
    as positions), or the empty log when none had. A problem stored before `places` existed names chain 1's."""
    places = params.get("places")
    if places is None:
        places = [str(params["sequence"])] if params.get("sequence") else []
    forms = _CHECKPOINT_PLACES[key][1 if translated else 0]
    form = forms[min(len(places), 2)]
    return str(form).format(", ".join(f"#{place}" for place in places))


#: the problems of a checkpoint as a whole, whose `sequence` is its chain 1 position (0 when chain 1 was empty)
_CHECKPOINT_CODES = ("bad_signature", "unknown_key", "file_not_in_database")

#: the parameters that are an event's number in the problem's chain
_SEQUENCE_PARAMS = ("sequence", "expected", "last", "head")


def _shown(params: dict) -> dict:
    """The parameters as the messages show them: in a chain other than the first, an event's number as its
    position, "3·15" (chain 1's messages are as they always were)."""
    shown = dict(params)
    chain = int(params.get("chain", FIRST_CHAIN))
    if chain != FIRST_CHAIN:
        for key in _SEQUENCE_PARAMS:
            if key in shown:
                shown[key] = position(chain, shown[key])
    return shown


def in_chain(chain: int) -> dict:
    """A problem's chain, among its parameters: none for the first chain (its problems read as before)."""
    return {} if int(chain) == FIRST_CHAIN else {"chain": int(chain)}


@dataclass(frozen=True)
class LogProblem:
    code: str
    params: dict = field(default_factory=dict)

    @property
    def chain(self) -> int:
        """The chain the problem is in (1 for those that concern no chain in particular)."""
        return int(self.params.get("chain", FIRST_CHAIN))

    def _messages(self) -> tuple:
        if self.chain != FIRST_CHAIN and self.code in _OTHER_CHAIN_MESSAGES:
            return _OTHER_CHAIN_MESSAGES[self.code]
        if self.code in _NO_EVENT_MESSAGES and not self.params.get("event_id"):
            return _NO_EVENT_MESSAGES[self.code]
        return _MESSAGES[self.code]

    def _params(self, translated: bool) -> dict:
        params = _shown(self.params)
        if self.code in _CHECKPOINT_CODES:
            params.update(
                {key: _checkpoint_place(self.params, key, translated) for key in _CHECKPOINT_PLACES}
            )
        return params

    @property
    def reason(self) -> str:
        """English, for the command line and logs."""
        return self._messages()[0].format(**self._params(False))

    @property
    def label(self) -> str:
        """In the user's language, for the auditor's page (the English parts of the parameters translated)."""
        params = self._params(True)
        if "where" in params:
            params["where"] = _where_label(params)
        if "reason" in params:
            params["reason"] = _chain_reason_label(params["reason"])
        return str(self._messages()[1]).format(**params)

    def __str__(self) -> str:
        return self.reason


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


def chain_problem(problem: ChainProblem) -> LogProblem:
    """A broken link found by the walk (workflows.audit.verify_chain), as a problem of the log."""
    params = {"sequence": problem.sequence, "event_id": problem.event_id, "reason": problem.reason}
    return LogProblem("chain", {**params, **in_chain(problem.chain)})


def signed_places(checkpoint: SignedCheckpoint) -> list[str]:
    """The events a checkpoint signed, as positions ("30", "2·14"): every chain that had events (none for a
    checkpoint of an empty log, whatever its chain 1 sequence says)."""
    return [position(c, s) for c, (s, _h) in sorted(checkpoint.positions().items()) if s]


@dataclass
class LogReport:
    checked: int = 0
    last_sequence: int = 0
    checkpoints: int = 0
    checkpoint_files: int = 0
    latest_checkpoint: SignedCheckpoint | None = None
    problems: list[LogProblem] = field(default_factory=list)
    warnings: list[LogProblem] = field(default_factory=list)
    #: every chain's last event, {chain: (sequence, hash)}; `last_sequence` is the first chain's
    tails: dict = field(default_factory=dict)

    @property
    def intact(self) -> bool:
        return not self.problems


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M:%S")


def hashes_at(places: set[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """The stored hash at each (chain, sequence)."""
    found: dict[tuple[int, int], str] = {}
    by_chain: dict[int, list[int]] = {}
    for chain, sequence in places:
        by_chain.setdefault(chain, []).append(sequence)
    for chain, sequences in sorted(by_chain.items()):
        ordered = sorted(sequences)
        for start in range(0, len(ordered), 500):
            rows = AuditEvent.objects.filter(chain=chain, sequence__in=ordered[start : start + 500])
            found.update(((chain, s), digest) for s, digest in rows.values_list("sequence", "hash"))
    return found


def tail_problem(chain: int, expected: int, tails: dict, signed_at: str | None = None) -> LogProblem:
    """A chain shorter than its head row (signed_at None) or a checkpoint (signed at `signed_at`) says it was:
    a missing tail, or an emptied chain."""
    last = tails.get(chain)
    last_sequence = last[0] if last else 0
    if signed_at is None:
        where = {"where": "the chain head"}
    else:
        where = {"where": f"the checkpoint signed at {signed_at}", "where_signed_at": signed_at}
    params = {**where, "expected": expected, "last": last_sequence, "missing": expected - last_sequence}
    return LogProblem("missing_tail" if last else "empty_log", {**params, **in_chain(chain)})


def head_problems(snapshot: tuple[dict, dict] | None = None) -> list[LogProblem]:
    """Every chain's head row against its last event: a missing tail, an emptied chain, events after the head, a
    replaced last event, events in a chain without a head row. `snapshot` is (heads, tails) as heads_and_tails()
    reads them (one read of both, so that a writer committing meanwhile is not taken for a cut tail)."""
    heads, tails = snapshot if snapshot is not None else heads_and_tails()
    problems = []
    for chain in sorted(set(heads) | set(tails)):
        head, last = heads.get(chain), tails.get(chain)
        last_sequence = last[0] if last else 0
        if head is not None and head[0] > last_sequence:
            problems.append(tail_problem(chain, head[0], tails))
        elif head is not None and last is not None and head[0] < last_sequence:
            problems.append(
                LogProblem("head_behind", {"head": head[0], "last": last_sequence, **in_chain(chain)})
            )
        elif head is not None and last is not None and head[1] != last[1]:
            problems.append(LogProblem("head_hash", {"last": last_sequence, **in_chain(chain)}))
        elif head is None and last is not None:
            count = AuditEvent.objects.filter(chain=chain).count()
            problems.append(LogProblem("head_missing", {"count": count, **in_chain(chain)}))
    return problems


def checkpoint_params(checkpoint: SignedCheckpoint) -> dict:
    return {
        "sequence": checkpoint.sequence,
        "places": signed_places(checkpoint),
        "signed_at": _when(checkpoint.signed_at),
        "origin": checkpoint.origin,
        "key_id": checkpoint.key_id,
    }


def verify_log(workers: int = 1, *, with_files: bool = True, with_chain: bool = True) -> LogReport:
    """Everything verify_audit checks: every chain, its head and tail, every checkpoint (each chain's position
    in it) and checkpoint file. `with_chain=False` leaves out the chains' walk (the auditor's check run walks
    them in batches itself)."""
    report = LogReport()
    if with_chain:
        checked, problem = verify_chain_parallel(workers)
        report.checked = checked
        if problem is not None:
            report.problems.append(chain_problem(problem))
    # the checkpoints first, then the chains' ends: a checkpoint signed meanwhile is not beyond a tail read before
    stored = [SignedCheckpoint.of(row) for row in AuditCheckpoint.objects.order_by("sequence", "signed_at")]
    files, unreadable = read_checkpoint_files() if with_files else ([], [])
    heads, tails = heads_and_tails()
    report.tails = tails
    report.last_sequence = tails.get(FIRST_CHAIN, (0, ""))[0]
    report.problems.extend(head_problems((heads, tails)))

    report.checkpoints, report.checkpoint_files = len(stored), len(files)
    for name in unreadable:
        report.problems.append(LogProblem("unreadable_file", {"origin": name}))
    for checkpoint in files:
        if not any(checkpoint.same_as(row) for row in stored if row.sequence == checkpoint.sequence):
            report.problems.append(
                LogProblem(
                    "file_not_in_database",
                    {
                        "origin": checkpoint.origin,
                        "sequence": checkpoint.sequence,
                        "places": signed_places(checkpoint),
                    },
                )
            )
    checkpoints = stored + [f for f in files if not any(f.same_as(row) for row in stored)]
    keys = trusted_keys() if checkpoints else {}

    def tail_of(chain: int) -> int:
        return tails[chain][0] if chain in tails else 0

    hashes = hashes_at(
        {
            (chain, sequence)
            for checkpoint in checkpoints
            for chain, (sequence, _digest) in checkpoint.positions().items()
            if 0 < sequence <= tail_of(chain)
        }
    )
    furthest: dict[int, tuple[int, SignedCheckpoint]] = {}
    for checkpoint in checkpoints:
        params = checkpoint_params(checkpoint)
        verdict = checkpoint.signature_ok(keys)
        if verdict is None:
            report.problems.append(LogProblem("unknown_key", params))
            continue
        if verdict is False:
            report.problems.append(LogProblem("bad_signature", params))
            continue
        for chain, (sequence, digest) in sorted(checkpoint.positions().items()):
            if not sequence:  # chain 1 had no event yet when it was signed
                continue
            if chain not in furthest or sequence > furthest[chain][0]:
                furthest[chain] = (sequence, checkpoint)
            if sequence <= tail_of(chain) and hashes.get((chain, sequence)) != digest:
                report.problems.append(
                    LogProblem("rewritten", {**params, "sequence": sequence, **in_chain(chain)})
                )
    for chain, (sequence, checkpoint) in sorted(furthest.items()):
        if sequence > tail_of(chain):
            report.problems.append(tail_problem(chain, sequence, tails, _when(checkpoint.signed_at)))
    latest = max(checkpoints, key=lambda c: c.signed_at, default=None)
    report.latest_checkpoint = latest
    interval = getattr(settings, "AUDIT_CHECKPOINT_INTERVAL", 3600)
    if getattr(settings, "AUDIT_SIGNING_KEY_IS_DEVELOPMENT", False):
        report.warnings.append(LogProblem("development_key"))
    if tails and latest is None:
        report.warnings.append(LogProblem("no_checkpoint"))
    elif latest is not None and timezone.now() - latest.signed_at > timedelta(seconds=2 * interval):
        report.warnings.append(LogProblem("stale_checkpoint", {"signed_at": _when(latest.signed_at)}))
    return report
