"""The audit writer and verifier. record() is the only code that inserts AuditEvent rows."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.utils import timezone

from .models import AuditEvent

GENESIS_HASH = "0" * 64
#: Key of the PostgreSQL advisory lock that serialises appends to the chain.
CHAIN_LOCK_KEY = 7_240_244_2023


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def normalise_data(data: dict | None) -> dict:
    """Bring data to what a JSON column gives back (dates and decimals as strings), so hashes re-compute."""
    return json.loads(canonical_json(data or {}))


def event_payload(
    *, sequence, subject_type: str, subject_id, actor_id, role, on_behalf_of_id, verb, source_state,
    target_state, comment, data, client_ip, created_at: datetime,
) -> dict:
    return {
        "sequence": sequence,
        "subject": f"{subject_type}:{subject_id}",
        "actor": actor_id,
        "role": role or "",
        "on_behalf_of": on_behalf_of_id,
        "verb": verb,
        "source": source_state or "",
        "target": target_state or "",
        "comment": comment or "",
        "data": data,
        "ip": client_ip,
        "at": created_at.astimezone(UTC).isoformat(timespec="microseconds"),
    }


def compute_hash(payload: dict, prev_hash: str) -> str:
    return hashlib.sha256((canonical_json(payload) + prev_hash).encode()).hexdigest()


def _chain_head() -> tuple[int, str]:
    """Lock the chain and return (last sequence, last hash). Caller must be inside a transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
    # SQLite: the IMMEDIATE transaction already holds the database's single write lock.
    last = AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash").first()
    return last or (0, GENESIS_HASH)


@dataclass(frozen=True)
class Actor:
    """Who acts, in which role, and on whose behalf (a delegation)."""

    user: object | None
    role: str = ""
    on_behalf_of: object | None = None
    client_ip: str | None = None


SYSTEM = Actor(user=None, role="system")


def record(
    *, subject: models.Model, actor: Actor, verb: str, source_state: str = "", target_state: str = "",
    comment: str = "", data: dict | None = None,
) -> AuditEvent:
    """Append one event for `subject` to the chain, in the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must run inside the transaction that makes the change")
    content_type = ContentType.objects.get_for_model(subject, for_concrete_model=False)
    subject_label = f"{content_type.app_label}.{content_type.model}"
    data = normalise_data(data)
    sequence, prev_hash = _chain_head()
    sequence += 1
    created_at = timezone.now()
    actor_id = getattr(actor.user, "pk", None)
    behalf_id = getattr(actor.on_behalf_of, "pk", None)
    payload = event_payload(
        sequence=sequence, subject_type=subject_label, subject_id=str(subject.pk), actor_id=actor_id,
        role=actor.role, on_behalf_of_id=behalf_id, verb=verb, source_state=source_state,
        target_state=target_state, comment=comment, data=data, client_ip=actor.client_ip, created_at=created_at,
    )
    return AuditEvent.objects.create(
        sequence=sequence, subject_type=content_type, subject_id=str(subject.pk), actor_id=actor_id,
        role=actor.role or "", on_behalf_of_id=behalf_id, verb=verb, source_state=source_state or "",
        target_state=target_state or "", comment=comment or "", data=data, client_ip=actor.client_ip,
        created_at=created_at, prev_hash=prev_hash, hash=compute_hash(payload, prev_hash),
    )


@dataclass(frozen=True)
class ChainProblem:
    sequence: int
    event_id: int
    reason: str


def verify_chain(chunk_size: int = 5000) -> Iterator[int | ChainProblem]:
    """Walk the chain in order; yield the count checked so far every chunk, then stop at the first problem."""
    labels = {ct.pk: f"{ct.app_label}.{ct.model}" for ct in ContentType.objects.all()}
    expected_prev = GENESIS_HASH
    expected_sequence = 1
    fields = (
        "id", "sequence", "subject_type_id", "subject_id", "actor_id", "role", "on_behalf_of_id", "verb",
        "source_state", "target_state", "comment", "data", "client_ip", "created_at", "prev_hash", "hash",
    )
    rows = AuditEvent.objects.order_by("sequence").values_list(*fields).iterator(chunk_size=chunk_size)
    checked = 0
    for (pk, sequence, type_id, subject_id, actor_id, role, behalf_id, verb, source, target, comment, data,
         client_ip, created_at, prev_hash, stored_hash) in rows:
        if sequence != expected_sequence:
            yield ChainProblem(sequence, pk, f"expected sequence {expected_sequence}, found {sequence}")
            return
        if prev_hash != expected_prev:
            yield ChainProblem(sequence, pk, "prev_hash does not match the previous event's hash")
            return
        payload = event_payload(
            sequence=sequence, subject_type=labels.get(type_id, str(type_id)), subject_id=subject_id,
            actor_id=actor_id, role=role, on_behalf_of_id=behalf_id, verb=verb, source_state=source,
            target_state=target, comment=comment, data=data, client_ip=client_ip, created_at=created_at,
        )
        if compute_hash(payload, prev_hash) != stored_hash:
            yield ChainProblem(sequence, pk, "content does not match its hash (the row was altered)")
            return
        expected_prev = stored_hash
        expected_sequence += 1
        checked += 1
        if checked % chunk_size == 0:
            yield checked
    yield checked


def history_for(subject: models.Model):
    """The audit events of one object, oldest first."""
    content_type = ContentType.objects.get_for_model(subject, for_concrete_model=False)
    return (
        AuditEvent.objects.filter(subject_type=content_type, subject_id=str(subject.pk))
        .select_related("actor", "on_behalf_of")
        .order_by("sequence")
    )
