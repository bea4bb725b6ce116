"""Working-day arithmetic with Vietnamese public holidays (Tết included), for every deadline."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _holidays_for(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("VN", years=year).keys())


def is_working_day(day: date) -> bool:
    """Monday to Friday, and not a Vietnamese public holiday (including observed days off)."""
    return day.weekday() < 5 and day not in _holidays_for(day.year)


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (before it when negative); `start` itself is not counted."""
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    current = start
    while remaining:
        current += timedelta(days=step)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (negative if `end` is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    weeks, rest = divmod((end - start).days, 7)
    count = 5 * weeks  # any 7 days in a row hold 5 weekdays; the few days left are looked at one by one
    tail = start + timedelta(days=7 * weeks)
    count += sum(1 for offset in range(1, rest + 1) if (tail + timedelta(days=offset)).weekday() < 5)
    for year in range(start.year, end.year + 1):
        count -= sum(1 for day in _holidays_for(year) if start < day <= end and day.weekday() < 5)
    return count
