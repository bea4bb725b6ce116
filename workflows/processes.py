"""Processes that a plan activity starts: a kind of activity → how to start its process, and when it is done.

Apps register in their AppConfig.ready():

    processes.register("council_session", start=start_session, is_finished=session_is_finished,
                       label=_("Phiên họp hội đồng"))

start(activity, actor) creates the linked object (inside the engine's transaction) and returns it;
is_finished(obj) tells whether the activity may be completed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class ProcessKind:
    kind: str
    start: Callable[..., models.Model]
    is_finished: Callable[[models.Model], bool]
    label: str = ""


_KINDS: dict[str, ProcessKind] = {}


def register(
    kind: str,
    *,
    start: Callable[..., models.Model],
    is_finished: Callable[[models.Model], bool],
    label: str = "",
) -> None:
    _KINDS[kind] = ProcessKind(kind, start, is_finished, label)


def for_kind(kind: str) -> ProcessKind | None:
    return _KINDS.get(kind)


def registered_kinds() -> list[str]:
    return sorted(_KINDS)
