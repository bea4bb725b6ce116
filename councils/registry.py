"""The contract between council sessions and the things they vote on (dossier nominees, initiatives).

The councils app knows nothing of dossiers or initiatives. An agenda item points at any model instance
(its "subject"); the app owning that model registers, in its AppConfig.ready(), what happens when the
council's result for the item is issued:

    from councils.registry import register_subject
    register_subject(Nominee, on_result=nominee_record_council_result)

on_result(subject=..., result=ItemResult, actor=workflows.audit.Actor) runs inside the transaction that
issues the session's resolution, and must change state only through workflows.engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import models


class ThresholdBase(models.TextChoices):
    TOTAL_MEMBERS = "total_members", "Tổng số thành viên hội đồng"
    PRESENT = "present", "Số thành viên có mặt"
    VOTES_CAST = "votes_cast", "Số phiếu hợp lệ"


@dataclass(frozen=True)
class Threshold:
    """Pass rule for one agenda item: agree votes must reach `percent` of the base (≥, or > if strict).

    `ratio` (e.g. (2, 3)) states a fraction exactly where a percent cannot ("≥ 2/3"); it then wins over
    `percent`, which is kept for display. Comparisons are exact integer arithmetic, never rounded.
    """

    percent: Decimal
    base: str = ThresholdBase.TOTAL_MEMBERS
    strict: bool = False
    secret_ballot: bool = True
    written_votes_allowed: bool = True
    ratio: tuple[int, int] | None = None


@dataclass(frozen=True)
class ItemResult:
    passed: bool
    agree: int
    disagree: int
    abstain: int
    base_count: int
    explanation: str  # e.g. "15/21 đồng ý = 71,4 % ≥ 70 % → đạt"
    session_id: int
    item_id: int


_HANDLERS: dict[type[models.Model], Callable[..., None]] = {}


def register_subject(model: type[models.Model], *, on_result: Callable[..., None]) -> None:
    _HANDLERS[model] = on_result


def handler_for(subject: models.Model) -> Callable[..., None] | None:
    return _HANDLERS.get(type(subject))
