"""The organisation over time, read side: which units were in force on a day, under which parent, and which
units a unit became (or came from) through successions (merge, split, rename, absorb).

Dates are inclusive: a unit with valid_to 2025-06-30 is in force on that day and not on 2025-07-01. An empty
valid_from means "since always", an empty valid_to "still in force". A unit that has no parent period yet
(created before the dated tree, or by an import that only sets Unit.parent) is read as having had its
current parent for its whole life.

The writes (recording a succession, changing a parent) are audited services of the engine:
workflows.organisation_services.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import Unit, UnitParentPeriod, UnitSuccession


def in_force_q(day: datetime.date, prefix: str = "") -> Q:
    """Rows whose valid_from/valid_to (under `prefix`, e.g. "unit__") cover `day`."""
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": day})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day})
    )


def _today() -> datetime.date:
    return timezone.localdate()


def is_in_force(unit: Unit, day: datetime.date) -> bool:
    return (unit.valid_from is None or unit.valid_from <= day) and (
        unit.valid_to is None or unit.valid_to >= day
    )


def units_on(day: datetime.date) -> QuerySet[Unit]:
    """The units in force on `day`."""
    return Unit.objects.filter(in_force_q(day))


def parent_on(unit: Unit, day: datetime.date) -> Unit | None:
    """The unit's parent on `day` (None when it had none, or was not in force then)."""
    if not is_in_force(unit, day):
        return None
    periods = UnitParentPeriod.objects.filter(unit=unit)
    period = periods.filter(in_force_q(day)).select_related("parent").first()
    if period is not None:
        return period.parent
    if not periods.exists():  # no dated tree for this unit yet: its current parent, for its whole life
        return unit.parent
    return None


def overlapping_periods(
    unit: Unit, valid_from: datetime.date | None, valid_to: datetime.date | None, *, exclude_pk=None
) -> QuerySet[UnitParentPeriod]:
    """The unit's parent periods that share at least one day with [valid_from, valid_to]."""
    found = UnitParentPeriod.objects.filter(unit=unit)
    if valid_to is not None:
        found = found.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=valid_to))
    if valid_from is not None:
        found = found.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
    if exclude_pk is not None:
        found = found.exclude(pk=exclude_pk)
    return found


def ancestors_on(unit: Unit, day: datetime.date) -> list[Unit]:
    """The unit's parent, its parent's parent… on `day` (stops at a loop rather than running forever)."""
    chain: list[Unit] = []
    seen = {unit.pk}
    node = parent_on(unit, day)
    while node is not None and node.pk not in seen:
        chain.append(node)
        seen.add(node.pk)
        node = parent_on(node, day)
    return chain


def _links_from(unit_ids: Iterable[int], *, forward: bool, until: datetime.date | None = None):
    links = UnitSuccession.objects.filter(
        **{("predecessor_id__in" if forward else "successor_id__in"): unit_ids}
    )
    if until is not None:
        links = links.filter(effective_on__lte=until)
    return links.select_related("successor" if forward else "predecessor")


def successors_of(unit: Unit, day: datetime.date | None = None) -> list[Unit]:
    """The units in force on `day` (default today) that `unit` became: itself when it is still in force,
    else the successors of its successions that took effect by then, followed along the chain (a district
    ended in 2025 → the commune-level units that took its place). Empty when nothing in force succeeds it."""
    day = day or _today()
    if is_in_force(unit, day):
        return [unit]
    found: dict[int, Unit] = {}
    seen = {unit.pk}
    frontier = [unit.pk]
    while frontier:
        next_frontier = []
        for link in _links_from(frontier, forward=True, until=day):
            successor = link.successor
            if successor.pk in seen:
                continue
            seen.add(successor.pk)
            if is_in_force(successor, day):
                found[successor.pk] = successor
            else:
                next_frontier.append(successor.pk)
        frontier = next_frontier
    return sorted(found.values(), key=lambda u: (u.name, u.pk))


def successor_ids(unit: Unit) -> set[int]:
    """Every unit reachable from `unit` through successions, whatever the dates (for cycle checks)."""
    seen: set[int] = set()
    frontier = [unit.pk]
    while frontier:
        ids = set(
            UnitSuccession.objects.filter(predecessor_id__in=frontier).values_list("successor_id", flat=True)
        )
        frontier = list(ids - seen)
        seen |= ids
    return seen


def predecessor_ids(unit: Unit) -> set[int]:
    """Every unit that led to `unit` through successions, transitively (the unit itself excluded)."""
    seen: set[int] = set()
    frontier = [unit.pk]
    while frontier:
        ids = set(
            UnitSuccession.objects.filter(successor_id__in=frontier).values_list("predecessor_id", flat=True)
        )
        frontier = list(ids - seen - {unit.pk})
        seen |= ids
    seen.discard(unit.pk)
    return seen


def predecessors_of(unit: Unit) -> QuerySet[Unit]:
    """The units that `unit` continues, transitively (phường Ninh Kiều → Tân An, Thới Bình, Xuân Khánh and
    whatever those had continued)."""
    return Unit.objects.filter(pk__in=predecessor_ids(unit)).order_by("name")


@dataclass(frozen=True)
class UnitOnDay:
    """One unit seen on one day: whether it was in force, its parent then, and the units that stood for it
    then (itself; its successors after it ended; its predecessors in force before it began)."""

    unit: Unit
    day: datetime.date
    in_force: bool
    parent: Unit | None
    standing_for: list[Unit]


def as_of(unit: Unit, day: datetime.date) -> UnitOnDay:
    """The unit as it stood on `day`: for reports that show either the historical unit or its successor."""
    if is_in_force(unit, day):
        standing = [unit]
    elif unit.valid_to is not None and day > unit.valid_to:
        standing = successors_of(unit, day)
    else:
        standing = list(predecessors_of(unit).filter(in_force_q(day)))
    return UnitOnDay(
        unit=unit,
        day=day,
        in_force=is_in_force(unit, day),
        parent=parent_on(unit, day),
        standing_for=standing,
    )
