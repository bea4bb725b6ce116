"""Cursors for the engine's few fixed statements (row lock, role lookup, audit append).

On PostgreSQL Django binds parameters on the client: every statement is sent as text with its values
inlined, and the server parses and plans it afresh. For the role lookup (a UNION with a semi-join) planning
costs about 0.4 ms, more than executing it. The engine's statements have a fixed text, so here they run on a
server-binding psycopg cursor on the same connection and transaction, prepared once per connection and
re-executed (measured on this machine: 0.55 ms → 0.13 ms for the role lookup; docs/benchmarks.md).

Errors are wrapped into Django's exceptions as usual, and statements appear in `connection.queries` (and in
assertNumQueries) like any other. The connection's `prepare_threshold` (settings: DATABASE_PREPARE_THRESHOLD,
"off" behind a pooler in transaction mode that cannot keep prepared statements) decides whether and when
they are prepared; when it is off they go through Django's own cursor.
"""

from __future__ import annotations

import re
import time
from contextlib import contextmanager


class _PreparedCursor:
    """The subset of the DB-API the engine uses, on a server-binding psycopg cursor."""

    def __init__(self, connection, raw):
        self._connection = connection
        self._raw = raw

    def execute(self, sql: str, params=None):
        connection = self._connection
        started = time.monotonic()
        with connection.wrap_database_errors:
            self._raw.execute(sql, params)
        if connection.queries_logged:
            connection.queries_log.append(
                {"sql": f"{sql} -- {list(params or ())!r}", "time": f"{time.monotonic() - started:.3f}"}
            )

    def fetchone(self):
        with self._connection.wrap_database_errors:
            return self._raw.fetchone()

    def fetchall(self):
        with self._connection.wrap_database_errors:
            return self._raw.fetchall()


_QMARK_SQL: dict[str, str] = {}
_FORMAT_MARK = re.compile(r"(?<!%)%s")


def _qmark(sql: str) -> str:
    """The statement in SQLite's "?" style, converted once per text (Django's cursor converts it with a regular
    expression on every execute)."""
    converted = _QMARK_SQL.get(sql)
    if converted is None:
        converted = _QMARK_SQL[sql] = _FORMAT_MARK.sub("?", sql).replace("%%", "%")
    return converted


class _SQLiteCursor(_PreparedCursor):
    """SQLite: the engine's fixed statements on the raw sqlite3 cursor, their text converted once. The adapters
    and converters Django registers on the sqlite3 module and connection apply as on Django's own cursor."""

    def execute(self, sql: str, params=None):
        connection = self._connection
        started = time.monotonic()
        with connection.wrap_database_errors:
            self._raw.execute(_qmark(sql), tuple(params or ()))
        if connection.queries_logged:
            connection.queries_log.append(
                {"sql": f"{sql} -- {list(params or ())!r}", "time": f"{time.monotonic() - started:.3f}"}
            )


@contextmanager
def fixed_statement_cursor(connection):
    """A cursor for statements whose text does not vary with the data (only their parameters do)."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        connection.validate_no_broken_transaction()
        raw = connection.connection.cursor()
        try:
            yield _SQLiteCursor(connection, raw)
        finally:
            raw.close()
        return
    if connection.vendor == "postgresql":
        connection.ensure_connection()
    if connection.vendor != "postgresql" or connection.connection.prepare_threshold is None:
        with connection.cursor() as cursor:
            yield cursor
        return
    import psycopg

    raw = psycopg.Cursor(connection.connection)
    try:
        yield _PreparedCursor(connection, raw)
    finally:
        raw.close()
