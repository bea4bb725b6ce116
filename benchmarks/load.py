"""Bulk load of hash-chained audit events, for benchmarks and load generation only.

Production events are written one at a time by workflows.audit.record(), inside the transaction of the change
they describe. Load generation needs a million of them in minutes: this appends pre-built events with the
same hashing, in batches of plain-SQL inserts, and then points the chain head at the last one, so that
verify_audit passes and later transitions continue the chain.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction

from workflows.audit import (
    _COLUMNS,
    _EVENTS,
    _INSERT,
    FIRST_CHAIN,
    GENESIS_HASH,
    compute_hash,
    event_payload,
    sync_chain_head,
)
from workflows.models import AuditEvent

_COPY = f"COPY {_EVENTS} ({', '.join(_COLUMNS)}) FROM STDIN"


@dataclass(frozen=True)
class LoadEvent:
    content_type_id: int
    subject_label: str
    subject_id: str
    actor_id: int | None
    role: str
    verb: str
    data: dict
    created_at: datetime


def append_events(events: Iterable[LoadEvent], batch: int = 10_000) -> int:
    """Append the events to the first chain of the log in order; return how many were written. (The first chain
    hashes as the single chain did; the other chains, which later writers may use, are left as they are.)"""
    last = (
        AuditEvent.objects.filter(chain=FIRST_CHAIN)
        .order_by("-sequence")
        .values_list("sequence", "hash")
        .first()
    )
    sequence, prev_hash = last or (0, GENESIS_HASH)
    ops = connection.ops
    written = 0
    rows: list[list] = []

    def flush():
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # COPY: about three times faster than batched INSERTs
                with cursor.cursor.copy(_COPY) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(_INSERT, rows)

    for event in events:
        sequence += 1
        payload = event_payload(
            sequence=sequence,
            chain=FIRST_CHAIN,
            subject_type=event.subject_label,
            subject_id=event.subject_id,
            actor_id=event.actor_id,
            role=event.role,
            on_behalf_of_id=None,
            verb=event.verb,
            source_state="",
            target_state="",
            comment="",
            data=event.data,
            client_ip=None,
            created_at=event.created_at,
        )
        digest = compute_hash(payload, prev_hash)
        rows.append(
            [
                sequence,
                FIRST_CHAIN,
                event.content_type_id,
                event.subject_id,
                event.actor_id,
                event.role,
                None,
                event.verb,
                "",
                "",
                "",
                ops.adapt_json_value(event.data, None),
                None,
                ops.adapt_datetimefield_value(event.created_at),
                prev_hash,
                digest,
            ]
        )
        prev_hash = digest
        if len(rows) >= batch:
            flush()
            written += len(rows)
            rows = []
    if rows:
        flush()
        written += len(rows)
    sync_chain_head()
    return written
