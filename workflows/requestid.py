"""The id of the request (or Celery task) being served, for the logs and the audit events it leads to.

project/requestid.py sets it for each web request (from the proxy's X-Request-ID, or a new one), project/celery.py
carries it into the tasks a request queues; workflows/audit.py writes it into each event's data. Outside a
request (a management command, a beat task) there is none.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar, Token

#: What a proxy may hand us: at most 64 characters of [A-Za-z0-9._-]; anything else is replaced by a new id.
VALID = re.compile(r"[A-Za-z0-9._-]{1,64}")

_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def get() -> str | None:
    return _current.get()


def set(value: str | None) -> Token:  # noqa: A001 (the module is the namespace: requestid.set)
    return _current.set(value)


def reset(token: Token) -> None:
    _current.reset(token)


def new() -> str:
    return uuid.uuid4().hex


def valid(value) -> bool:
    return isinstance(value, str) and VALID.fullmatch(value) is not None


def accept(value) -> str:
    """`value` if it is a valid id, else a new one."""
    return value if valid(value) else new()
