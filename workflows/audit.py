"""The audit writer and verifier. record() and record_many() are the only code that inserts AuditEvent rows.

The log is one or more hash chains (settings.AUDIT_CHAINS; docs/audit-chains.md). Each chain has its own head row,
its own gapless sequence and its own links; a writer appends to the chain of its connection (chain_for_connection),
so writers on different chains do not wait for each other's commits, and one transaction only ever locks one head
(no deadlock between heads). The first chain hashes exactly as the single chain did; the others also hash their
chain's number, so an event cannot be moved from one chain to another unnoticed.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from . import requestid
from .db import fixed_statement_cursor
from .models import AuditChainHead, AuditEvent, AuditSubjectLabel

GENESIS_HASH = "0" * 64
FIRST_CHAIN = 1


_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def canonical_json(value) -> str:
    """Sorted keys, no spaces, UTF-8 text: the form every hash is computed over (one encoder, reused)."""
    return _CANONICAL.encode(value)


def normalise_data(data: dict | None) -> dict:
    """Bring data to what a JSON column gives back (dates and decimals as strings), so hashes re-compute."""
    return json.loads(canonical_json(data or {}))


def event_payload(
    *,
    sequence,
    chain: int = FIRST_CHAIN,
    subject_type: str,
    subject_id,
    actor_id,
    role,
    on_behalf_of_id,
    verb,
    source_state,
    target_state,
    comment,
    data,
    client_ip,
    created_at: datetime,
) -> dict:
    payload = {
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
    if chain != FIRST_CHAIN:  # the first chain hashes as the single chain always did
        payload["chain"] = chain
    return payload


def compute_hash(payload: dict, prev_hash: str) -> str:
    return hashlib.sha256((canonical_json(payload) + prev_hash).encode()).hexdigest()


@dataclass(frozen=True)
class Actor:
    """Who acts, in which role, and on whose behalf (a delegation)."""

    user: object | None
    role: str = ""
    on_behalf_of: object | None = None
    client_ip: str | None = None


SYSTEM = Actor(user=None, role="system")


@dataclass(frozen=True)
class RecordedEvent:
    pk: int
    sequence: int
    hash: str
    chain: int = FIRST_CHAIN


def chain_count() -> int:
    """How many chains new events are spread over (AUDIT_CHAINS; 1 keeps one chain)."""
    return max(1, int(getattr(settings, "AUDIT_CHAINS", 1)))


_local = threading.local()
_thread_numbers = itertools.count()


def chain_for_connection() -> int:
    """The chain this thread's connection appends to: fixed per process and thread, so that one transaction locks
    only its own chain's head, and spread by process id, so that concurrent workers (gunicorn's, Celery's, each
    with its own connection) land on different chains. use_chain() sets it for a block (tests, tools)."""
    forced = getattr(_local, "forced", None)
    if forced is not None:
        return forced
    count = chain_count()
    if count == 1:
        return FIRST_CHAIN
    pid = os.getpid()
    pick = getattr(_local, "pick", None)
    if (
        pick is None or pick[0] != pid or pick[1] != count
    ):  # a forked child inherits its parent's thread state
        number = getattr(_local, "number", None)
        if number is None or (pick is not None and pick[0] != pid):
            number = _local.number = next(_thread_numbers)
        pick = _local.pick = (pid, count, FIRST_CHAIN + (pid + number) % count)
    return pick[2]


class use_chain:
    """Append to `chain` inside the block (a context manager), whatever AUDIT_CHAINS says."""

    def __init__(self, chain: int):
        if int(chain) < FIRST_CHAIN:
            raise ValueError("chains are numbered from 1")
        self.chain = int(chain)

    def __enter__(self):
        self._before = getattr(_local, "forced", None)
        _local.forced = self.chain
        return self.chain

    def __exit__(self, *exc):
        _local.forced = self._before
        return False


def chains() -> list[int]:
    """Every chain the log holds: those with a head row and those with events (an event in a chain without a head
    is found too), ascending. One index probe per chain (a loose scan of the (chain, sequence) index)."""
    heads = set(AuditChainHead.objects.values_list("pk", flat=True))
    connection = transaction.get_connection()
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE c(n) AS (SELECT MIN(chain) FROM {_EVENTS} UNION ALL "
            f"SELECT (SELECT MIN(chain) FROM {_EVENTS} WHERE chain > c.n) FROM c WHERE c.n IS NOT NULL) "
            "SELECT n FROM c WHERE n IS NOT NULL"
        )
        found = {row[0] for row in cursor.fetchall()}
    return sorted(heads | found)


def chain_tails(numbers=None) -> dict[int, tuple[int, str]]:
    """Per chain (every chain, or those of `numbers` when the caller knows which it wants), its last event's
    (sequence, hash)."""
    tails = {}
    for chain in chains() if numbers is None else numbers:
        last = (
            AuditEvent.objects.filter(chain=chain)
            .order_by("-sequence")
            .values_list("sequence", "hash")
            .first()
        )
        if last is not None:
            tails[chain] = last
    return tails


def after_positions(positions: dict, limit: int | None = None) -> models.Q:
    """The events past a reader's positions ({"<chain>": last sequence read}; a chain it has no position in is read
    from its start). Readers of the log as an outbox (the notifier, the webhook deliverer, the metrics) keep one
    position per chain: each chain is appended under its head's lock, so its sequence is its commit order; the
    ids between chains are not. Read in one query ordered by id, as one snapshot: a subject's events, written under
    the subject's row lock, come in their order whatever chain each is in. With `limit`, the condition names the
    first `limit` of them by id (read the reader's batch with the same limit).

    The chains the reader knows are those of its positions: the log's list of chains (chains()) is read only when
    the statement finds events in a chain the reader does not know (a new chain: its first batch, once)."""
    known = sorted({int(chain) for chain in positions or {}})
    if limit is None:  # a condition the caller's query evaluates: every chain the reader does not know, whole
        condition = ~models.Q(chain__in=known) if known else models.Q(pk__isnull=False)
        for chain in known:
            condition |= models.Q(chain=chain, sequence__gt=int(positions[str(chain)]))
        return condition
    while True:
        ids = _first_past(known, positions, int(limit))
        if not ids or ids[0] >= 0:
            return models.Q(pk__in=ids)
        # the statement saw events in a chain the reader does not know: read the log's chains, then again (this
        # one snapshot holds every chain, or it says which it misses)
        known = sorted(set(known) | set(chains()) | {-marker for marker in ids if marker < 0})


def _first_past(known: list[int], positions: dict, limit: int) -> list[int]:
    """The first `limit` ids past the positions in the `known` chains, in ONE statement (one snapshot) that walks
    each chain's (chain, sequence) index from its position, at most `limit` rows a chain, whatever the log's size
    (an OR of the chains ordered by id could make the planner scan the whole id index). In the same statement, one
    index probe per gap between the known chain numbers (above the last one, usually alone): a chain found there
    comes first as its number negated, and the caller reads again knowing it."""
    branches, params = [], []
    for index, chain in enumerate(known):
        branches.append(
            f"SELECT id FROM (SELECT id FROM {_EVENTS} WHERE chain = %s AND sequence > %s "
            f"ORDER BY sequence LIMIT %s) AS c{index}"
        )
        params += [chain, int(positions.get(str(chain), 0)), limit]
    bounds = [FIRST_CHAIN - 1, *known]
    gaps = [(low, high) for low, high in zip(bounds[:-1], known, strict=True) if high - low > 1]
    gaps.append((bounds[-1], None))
    for index, (low, high) in enumerate(gaps):
        below = "" if high is None else " AND chain < %s"
        branches.append(
            f"SELECT -chain AS id FROM (SELECT chain FROM {_EVENTS} WHERE chain > %s{below} "
            f"ORDER BY chain LIMIT 1) AS g{index}"
        )
        params += [low] if high is None else [low, high]
    sql = " UNION ALL ".join(branches)
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(f"SELECT id FROM ({sql}) AS past ORDER BY id LIMIT %s", [*params, limit])
        return [row[0] for row in cursor.fetchall()]


def advance_positions(positions: dict, read) -> dict:
    """The positions after reading `read` ((chain, sequence) pairs, in id order, a prefix of each chain's rest)."""
    moved = {str(key): int(value) for key, value in (positions or {}).items()}
    for chain, sequence in read:
        if sequence > moved.get(str(chain), 0):
            moved[str(chain)] = sequence
    return moved


_HEAD = "workflows_auditchainhead"
_EVENTS = "workflows_auditevent"
_COLUMNS = (
    "sequence",
    "chain",
    "subject_type_id",
    "subject_id",
    "actor_id",
    "role",
    "on_behalf_of_id",
    "verb",
    "source_state",
    "target_state",
    "comment",
    "data",
    "client_ip",
    "created_at",
    "prev_hash",
    "hash",
)
_INSERT = f"INSERT INTO {_EVENTS} ({', '.join(_COLUMNS)}) VALUES ({', '.join(['%s'] * len(_COLUMNS))})"


def _start_head(cursor, chain: int) -> None:
    """A chain not used yet (or a new, flushed database) has no head row: start it from the chain's own events.
    Two writers starting the same chain at once: the second one's insert does nothing, and both go on to the
    head's row lock."""
    last = (
        AuditEvent.objects.filter(chain=chain).order_by("-sequence").values_list("sequence", "hash").first()
    )
    sequence, digest = last or (0, GENESIS_HASH)
    cursor.execute(
        f"INSERT INTO {_HEAD} (id, sequence, hash, prev_hash) VALUES (%s, %s, %s, '') ON CONFLICT (id) DO NOTHING",
        [chain, sequence, digest],
    )


def _advance_head(cursor, chain: int) -> tuple[int, str]:
    """Take the chain's lock and the next sequence in one statement: UPDATE … RETURNING on the head row.

    Under PostgreSQL's READ COMMITTED a second writer waits on the row lock, then sees the first writer's
    committed head; on SQLite the IMMEDIATE transaction already holds the single write lock.
    """
    cursor.execute(
        f"UPDATE {_HEAD} SET sequence = sequence + 1 WHERE id = %s RETURNING sequence, hash", [chain]
    )
    row = cursor.fetchone()
    if row is None:
        _start_head(cursor, chain)
        return _advance_head(cursor, chain)
    return row


_SEQUENCE_MARK = '"sequence":0,"source":'
_POSTGRES_APPEND: dict = {}


def _postgres_append_sql(connection, alongside_sql: str) -> str:
    """One statement: advance the head (its UPDATE computes the new hash from the old one, so it holds the
    chain's lock and links the event in the same step), insert the event, and run the alongside UPDATE.

    The event's hash is SHA-256 over its canonical JSON followed by the previous hash, as compute_hash() does
    in Python: the JSON is sent in two parts around the sequence number, which only the database knows
    under the lock. The head's `prev_hash` column hands the previous hash to the INSERT (SET expressions see
    the row as it was before the UPDATE).
    """
    sql = _POSTGRES_APPEND.get(alongside_sql)
    if sql is None:
        types = {field.column: field.db_type(connection) for field in AuditEvent._meta.concrete_fields}
        casts = ", ".join(f"CAST(%s AS {types[column]})" for column in _COLUMNS[1:-2])
        extra = f", alongside AS ({alongside_sql})" if alongside_sql else ""
        sql = (
            f"WITH head AS (UPDATE {_HEAD} SET prev_hash = hash, sequence = sequence + 1, "
            f"hash = encode(sha256(convert_to(%s || (sequence + 1)::text || %s || hash, 'UTF8')), 'hex') "
            f"WHERE id = %s RETURNING sequence, prev_hash, hash){extra} "
            f"INSERT INTO {_EVENTS} ({', '.join(_COLUMNS)}) "
            f"SELECT head.sequence, {casts}, head.prev_hash, head.hash FROM head RETURNING id, sequence, hash"
        )
        _POSTGRES_APPEND[alongside_sql] = sql
    return sql


def _append_postgres(
    cursor, connection, chain, fields: dict, columns: list, alongside
) -> tuple[int, int, str]:
    before, mark, after = canonical_json(event_payload(sequence=0, **fields)).rpartition(_SEQUENCE_MARK)
    if not mark:  # cannot happen: the payload's keys are fixed and sorted
        raise RuntimeError("audit payload without its sequence")
    prefix, suffix = before + '"sequence":', ',"source":' + after
    alongside_sql, alongside_params = alongside if alongside else ("", [])
    sql = _postgres_append_sql(connection, alongside_sql)
    params = [prefix, suffix, chain, *alongside_params, *columns]
    cursor.execute(sql, params)
    row = cursor.fetchone()
    if row is None:  # no head row yet (the statement changed nothing): start it, then append
        _start_head(cursor, chain)
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row


def _event_fields(connection, chain, subject, actor, verb, source_state, target_state, comment, data):
    """The event's fields as hashed (canonical payload) and as bound to the INSERT, without sequence or hashes."""
    content_type = ContentType.objects.get_for_model(subject, for_concrete_model=False)
    subject_label = f"{content_type.app_label}.{content_type.model}"
    data = normalise_data(data)
    request_id = requestid.get()  # the web request or task that made the change (workflows/requestid.py)
    if request_id and "request_id" not in data:
        data["request_id"] = request_id
    subject_id = str(subject.pk)
    created_at = timezone.now()
    actor_id = getattr(actor.user, "pk", None)
    behalf_id = getattr(actor.on_behalf_of, "pk", None)
    fields = {
        "chain": chain,
        "subject_type": subject_label,
        "subject_id": subject_id,
        "actor_id": actor_id,
        "role": actor.role,
        "on_behalf_of_id": behalf_id,
        "verb": verb,
        "source_state": source_state,
        "target_state": target_state,
        "comment": comment,
        "data": data,
        "client_ip": actor.client_ip,
        "created_at": created_at,
    }
    ops = connection.ops
    columns = [
        chain,
        content_type.pk,
        subject_id,
        actor_id,
        actor.role or "",
        behalf_id,
        verb,
        source_state or "",
        target_state or "",
        comment or "",
        ops.adapt_json_value(data, None),
        ops.adapt_ipaddressfield_value(actor.client_ip),
        ops.adapt_datetimefield_value(created_at),
    ]
    return fields, columns


def record(
    *,
    subject: models.Model,
    actor: Actor,
    verb: str,
    source_state: str = "",
    target_state: str = "",
    comment: str = "",
    data: dict | None = None,
    alongside: tuple[str, list] | None = None,
) -> RecordedEvent:
    """Append one event for `subject` to the chain, in the caller's transaction. The only writer of events.

    `alongside` is one more data-modifying statement (the engine's state UPDATE): on PostgreSQL it travels
    in the same round trip as the event, on SQLite it runs just before it.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record() must run inside the transaction that makes the change")
    chain = chain_for_connection()
    fields, columns = _event_fields(
        connection, chain, subject, actor, verb, source_state, target_state, comment, data
    )
    with fixed_statement_cursor(connection) as cursor:
        if connection.vendor == "postgresql":
            event_id, sequence, digest = _append_postgres(
                cursor, connection, chain, fields, columns, alongside
            )
        else:
            if alongside:
                cursor.execute(*alongside)
            sequence, prev_hash = _advance_head(cursor, chain)
            digest = compute_hash(event_payload(sequence=sequence, **fields), prev_hash)
            cursor.execute(f"{_INSERT} RETURNING id", [sequence, *columns, prev_hash, digest])
            event_id = cursor.fetchone()[0]
            cursor.execute(
                f"UPDATE {_HEAD} SET hash = %s, prev_hash = %s WHERE id = %s", [digest, prev_hash, chain]
            )
    return RecordedEvent(event_id, sequence, digest, chain)


#: Rows per INSERT statement when record_many() writes a batch (bounded by the databases' parameter limits:
#: 16 columns × 400 rows = 6 400 parameters, under SQLite's 32 766 and PostgreSQL's 65 535).
_BATCH_ROWS = 400


def record_many(events: list[dict]) -> list[RecordedEvent]:
    """Append many events in order, in the caller's transaction: one head lock for the batch, the hashes linked
    in Python, the rows written by multi-row INSERTs. Each entry of `events` holds record()'s keyword arguments
    (subject, actor, verb, source_state, target_state, comment, data). The chain is exactly what as many
    record() calls would have written: verify_chain checks it the same way."""
    if not events:
        return []
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record_many() must run inside the transaction that makes the change")
    chain = chain_for_connection()
    prepared = [
        _event_fields(
            connection,
            chain,
            event["subject"],
            event["actor"],
            event["verb"],
            event.get("source_state", ""),
            event.get("target_state", ""),
            event.get("comment", ""),
            event.get("data"),
        )
        for event in events
    ]
    count = len(prepared)
    with fixed_statement_cursor(connection) as cursor:
        advance = f"UPDATE {_HEAD} SET sequence = sequence + %s WHERE id = %s RETURNING sequence, hash"
        cursor.execute(advance, [count, chain])
        row = cursor.fetchone()
        if row is None:
            _start_head(cursor, chain)
            cursor.execute(advance, [count, chain])
            row = cursor.fetchone()
        last_sequence, prev_hash = row
        sequence = last_sequence - count
        rows = []
        results_hashes = []
        for fields, columns in prepared:
            sequence += 1
            digest = compute_hash(event_payload(sequence=sequence, **fields), prev_hash)
            rows.append([sequence, *columns, prev_hash, digest])
            results_hashes.append((sequence, digest, prev_hash))
            prev_hash = digest
        if connection.vendor == "postgresql" and not _in_pipeline(connection):
            ids = _copy_rows(connection, chain, rows)
        else:  # SQLite, and PostgreSQL inside a pipeline (a batch within engine.perform_many), where COPY cannot run
            placeholders = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
            ids = []
            for start in range(0, count, _BATCH_ROWS):
                chunk = rows[start : start + _BATCH_ROWS]
                sql = f"INSERT INTO {_EVENTS} ({', '.join(_COLUMNS)}) VALUES {', '.join([placeholders] * len(chunk))}"
                cursor.execute(sql + " RETURNING id, sequence", [value for row_ in chunk for value in row_])
                ids.extend(sorted(cursor.fetchall(), key=lambda pair: pair[1]))
        _last, final_hash, final_prev = results_hashes[-1]
        cursor.execute(
            f"UPDATE {_HEAD} SET hash = %s, prev_hash = %s WHERE id = %s", [final_hash, final_prev, chain]
        )
    return [
        RecordedEvent(event_id, sequence, digest, chain)
        for (event_id, _seq), (sequence, digest, _prev) in zip(ids, results_hashes, strict=True)
    ]


def _in_pipeline(connection) -> bool:
    """The PostgreSQL connection is in psycopg's pipeline mode (engine.perform_many's writes): COPY is refused
    there, so a batch appended from inside another batch's step uses the multi-row INSERTs."""
    raw = connection.connection
    return raw is not None and bool(raw.pgconn.pipeline_status)


def _copy_rows(connection, chain: int, rows: list[list]) -> list[tuple[int, int]]:
    """PostgreSQL: the batch's rows by COPY, then their ids by sequence, in the caller's transaction. A multi-row
    INSERT of a thousand events carries 15 000 placeholders, and psycopg parses such a statement afresh each
    time (measured: 45 % of perform_many's time for 1 000 objects); COPY sends the rows as data."""
    started = time.monotonic()
    with connection.wrap_database_errors, connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {_EVENTS} ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"SELECT id, sequence FROM {_EVENTS} WHERE chain = %s AND sequence BETWEEN %s AND %s ORDER BY sequence",
            [chain, rows[0][0], rows[-1][0]],
        )
        ids = cursor.fetchall()
    if connection.queries_logged:  # counted like any other statement (assertNumQueries, the debug toolbar)
        connection.queries_log.append(
            {
                "sql": f"COPY {_EVENTS} FROM STDIN -- {len(rows)} rows",
                "time": f"{time.monotonic() - started:.3f}",
            }
        )
    if len(ids) != len(rows):  # cannot happen under the head lock: a row written by someone else
        raise RuntimeError(f"audit batch: {len(ids)} rows found for {len(rows)} written")
    return ids


@dataclass(frozen=True)
class ChainProblem:
    sequence: int
    event_id: int
    reason: str
    chain: int = FIRST_CHAIN


_VERIFY_COLUMNS = (
    "id",
    "sequence",
    "subject_type_id",
    "subject_id",
    "actor_id",
    "role",
    "on_behalf_of_id",
    "verb",
    "source_state",
    "target_state",
    "comment",
    "data",
    "client_ip",
    "created_at",
    "prev_hash",
    "hash",
)


def _as_utc(value) -> datetime:
    if isinstance(value, str):  # SQLite keeps timestamps as text, in UTC
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def subject_labels_before(chain: int = FIRST_CHAIN) -> dict[int, list[tuple[int, str]]]:
    """Per content type id, the (until_sequence, label) pairs it was hashed with in `chain` before it was
    relabelled, oldest first (AuditSubjectLabel): an event hashes with the first label whose range holds its
    sequence."""
    earlier: dict[int, list[tuple[int, str]]] = {}
    rows = (
        AuditSubjectLabel.objects.filter(chain=chain)
        .order_by("until_sequence")
        .values_list("content_type_id", "until_sequence", "label")
    )
    for type_id, until, label in rows:
        earlier.setdefault(type_id, []).append((until, label))
    return earlier


def relabel_subject_type(content_type, *, app_label: str) -> None:
    """Move a content type to another app label (a model that moved apps) without breaking the audit chain:
    under the chain head's lock, remember the label its events so far were hashed with, then relabel it.

    For data migrations: `content_type` may be a historical ContentType; the label rows are written with
    plain SQL so that it works on the migration's historical state as on the current models.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("relabel_subject_type() must run inside a transaction")
    old_label = f"{content_type.app_label}.{content_type.model}"
    with connection.cursor() as cursor:
        # the locks every append takes first, every chain's, in order (on SQLite the migration's transaction
        # holds the write lock)
        cursor.execute(f"SELECT id FROM {_HEAD} ORDER BY id" + _FOR_UPDATE.get(connection.vendor, ""))
        heads = [row[0] for row in cursor.fetchall()]
        columns = {column.name for column in connection.introspection.get_table_description(cursor, _EVENTS)}
        if "chain" in columns:
            cursor.execute(f"SELECT DISTINCT chain FROM {_EVENTS}")
            for chain in sorted(set(heads) | {row[0] for row in cursor.fetchall()}):
                _remember_label(cursor, content_type, old_label, chain)
        else:  # a migration run before workflows 0014: one chain, no chain columns
            _remember_label(cursor, content_type, old_label)
        cursor.execute(
            "UPDATE django_content_type SET app_label = %s WHERE id = %s", [app_label, content_type.pk]
        )
    ContentType.objects.clear_cache()


def _remember_label(cursor, content_type, old_label: str, chain: int | None = None) -> None:
    """Remember the label the content type's events of `chain` so far were hashed with (AuditSubjectLabel), if
    it has events there since its last relabelling. `chain` None: the schema before the chains (workflows 0014),
    whose one chain has no chain columns."""
    in_chain, params = ("", []) if chain is None else (" AND chain = %s", [chain])
    cursor.execute(f"SELECT MAX(sequence) FROM {_EVENTS}" + (" WHERE chain = %s" if in_chain else ""), params)
    until = cursor.fetchone()[0] or 0
    cursor.execute(
        f"SELECT MAX(until_sequence) FROM {_LABELS} WHERE content_type_id = %s{in_chain}",
        [content_type.pk, *params],
    )
    since = cursor.fetchone()[0] or 0  # events up to an earlier relabelling already have their label
    cursor.execute(
        f"SELECT 1 FROM {_EVENTS} WHERE subject_type_id = %s{in_chain} AND sequence > %s AND sequence <= %s LIMIT 1",
        [content_type.pk, *params, since, until],
    )
    if cursor.fetchone() is not None:
        columns, values = ("", "") if chain is None else (", chain", ", %s")
        cursor.execute(
            f"INSERT INTO {_LABELS} (content_type_id, label{columns}, until_sequence) VALUES (%s, %s{values}, %s)",
            [content_type.pk, old_label, *params, until],
        )


_LABELS = "workflows_auditsubjectlabel"
_FOR_UPDATE = {"postgresql": " FOR UPDATE"}


def verify_chain(
    chunk_size: int = 5000,
    first: int = 1,
    last: int | None = None,
    expected_prev: str | None = None,
    chain: int | None = None,
) -> Iterator[int | ChainProblem]:
    """Walk one chain (or its slice first..last) in order; yield the count checked so far every chunk, then
    stop at the first problem. A slice starts from the stored hash of the event before it, so slices
    checked in parallel prove the same as one walk (see verify_chain_parallel).

    Without `chain`, a whole walk (no slice) checks every chain in turn (the counts add up); a slice without
    `chain` is of the first chain.

    Reads with a server-side cursor in plain SQL (bounded memory, no ORM per row).
    """
    if chain is None:
        if first != 1 or last is not None or expected_prev is not None:
            chain = FIRST_CHAIN
        else:
            done = 0
            for number in chains():
                checked = 0
                for item in verify_chain(chunk_size, chain=number):
                    if isinstance(item, ChainProblem):
                        yield item
                        return
                    checked = item
                    yield done + checked
                done += checked
            if not done:
                yield 0
            return
    labels = {ct.pk: f"{ct.app_label}.{ct.model}" for ct in ContentType.objects.all()}
    earlier = subject_labels_before(chain)
    if expected_prev is None:
        expected_prev = GENESIS_HASH
    expected_sequence = first
    checked = 0
    connection = transaction.get_connection()
    bounds = f"WHERE chain = {int(chain)} AND sequence >= {int(first)}" + (
        f" AND sequence <= {int(last)}" if last is not None else ""
    )
    sql = f"SELECT {', '.join(_VERIFY_COLUMNS)} FROM workflows_auditevent {bounds} ORDER BY sequence"
    loads = json.loads
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(sql)
        while True:
            rows = cursor.fetchmany(chunk_size)
            if not rows:
                break
            for (
                pk,
                sequence,
                type_id,
                subject_id,
                actor_id,
                role,
                behalf_id,
                verb,
                source,
                target,
                comment,
                data,
                client_ip,
                created_at,
                prev_hash,
                stored_hash,
            ) in rows:
                if sequence != expected_sequence:
                    yield ChainProblem(
                        sequence, pk, f"expected sequence {expected_sequence}, found {sequence}", chain
                    )
                    return
                if prev_hash != expected_prev:
                    yield ChainProblem(
                        sequence, pk, "prev_hash does not match the previous event's hash", chain
                    )
                    return
                label = labels.get(type_id, str(type_id))
                if type_id in earlier:  # a type relabelled since (a model that moved to another app)
                    label = next((old for until, old in earlier[type_id] if sequence <= until), label)
                payload = event_payload(
                    sequence=sequence,
                    chain=chain,
                    subject_type=label,
                    subject_id=subject_id,
                    actor_id=actor_id,
                    role=role,
                    on_behalf_of_id=behalf_id,
                    verb=verb,
                    source_state=source,
                    target_state=target,
                    comment=comment,
                    data=loads(data) if isinstance(data, str) else data,
                    client_ip=str(client_ip) if client_ip is not None else None,
                    created_at=_as_utc(created_at),
                )
                if compute_hash(payload, prev_hash) != stored_hash:
                    yield ChainProblem(
                        sequence, pk, "content does not match its hash (the row was altered)", chain
                    )
                    return
                expected_prev = stored_hash
                expected_sequence += 1
            checked += len(rows)
            yield checked
    if last is not None and expected_sequence != last + 1:
        yield ChainProblem(expected_sequence, 0, f"event #{expected_sequence} is missing", chain)
        return
    yield checked


def _verify_slice(bounds: tuple[int, int, int, str]) -> tuple[int, ChainProblem | None]:
    from django.db import connections

    connections.close_all()  # a forked worker opens its own connection
    chain, first, last, prev_hash = bounds
    checked, problem = 0, None
    for item in verify_chain(first=first, last=last, expected_prev=prev_hash, chain=chain):
        if isinstance(item, ChainProblem):
            problem = item
        else:
            checked = item
    connections.close_all()
    return checked, problem


def _walk_whole(chain: int) -> tuple[int, ChainProblem | None]:
    checked = 0
    for item in verify_chain(chain=chain):
        if isinstance(item, ChainProblem):
            return checked, item
        checked = item
    return checked, None


def verify_chain_parallel(workers: int) -> tuple[int, ChainProblem | None]:
    """verify_chain of every chain, split into slices checked by `workers` processes; the first problem by
    (chain, sequence) wins.

    A slice starts from the stored hash of the event before it; the slice before checks that stored hash is
    what its own walk computed, so the slices together check every link, as one walk does.
    """
    import multiprocessing

    from django.db import connections

    stats = {
        row["chain"]: row
        for row in AuditEvent.objects.values("chain").annotate(
            top=models.Max("sequence"), count=models.Count("id")
        )
    }
    numbers = sorted(stats)  # the chains with events (a chain with a head and no event has nothing to walk)
    total = sum(row["count"] for row in stats.values())
    if workers <= 1 or total < 20_000:
        checked, problem = 0, None
        for chain in numbers:
            done, problem = _walk_whole(chain)
            checked += done
            if problem is not None:
                return checked, problem
        return checked, None
    step = -(-total // workers)
    slices, checked, problems = [], 0, []
    for chain in numbers:
        row = stats.get(chain)
        if row is None:
            continue
        top = row["top"] or 0
        if row["count"] != top:  # a gap or a duplicate: the single walk names the first one
            done, problem = _walk_whole(chain)
            checked += done
            if problem is not None:
                problems.append(problem)
            continue
        starts = list(range(1, top + 1, step))
        boundary = dict(
            AuditEvent.objects.filter(chain=chain, sequence__in=[s - 1 for s in starts[1:]]).values_list(
                "sequence", "hash"
            )
        )
        slices.extend(
            (chain, s, min(s + step - 1, top), boundary.get(s - 1, GENESIS_HASH) if s > 1 else GENESIS_HASH)
            for s in starts
        )
    if slices:
        connections.close_all()
        with multiprocessing.get_context("fork").Pool(min(len(slices), max(workers, 1))) as pool:
            results = pool.map(_verify_slice, slices)
        problems.extend(problem for _, problem in results if problem is not None)
        checked += sum(count for count, _ in results)
    if problems:
        return checked, min(problems, key=lambda p: (p.chain, p.sequence))
    return checked, None


def history_for(subject: models.Model):
    """The audit events of one object, oldest first."""
    content_type = ContentType.objects.get_for_model(subject, for_concrete_model=False)
    return (
        AuditEvent.objects.filter(subject_type=content_type, subject_id=str(subject.pk))
        .select_related("actor", "on_behalf_of")
        .order_by("id")
    )


def sync_chain_head() -> None:
    """Point every chain's head at its last event, after events were bulk-loaded (load generation, restores)."""
    with transaction.atomic():
        tails = chain_tails()
        for chain in sorted(set(chains()) | {FIRST_CHAIN}):
            sequence, digest = tails.get(chain, (0, GENESIS_HASH))
            AuditChainHead.objects.update_or_create(id=chain, defaults={"sequence": sequence, "hash": digest})
