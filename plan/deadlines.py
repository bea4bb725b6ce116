"""Deadlines of plan activities in working days (Vietnamese public holidays, Tết included)."""

from __future__ import annotations

from datetime import date

from plan.models import OPEN_STATES
from workflows.calendar import add_working_days, is_working_day, working_days_between


def effective_due(due: date) -> date:
    """A due date that falls on a weekend or holiday moves to the next working day."""
    return due if is_working_day(due) else add_working_days(due, 1)


def working_days_late(activity, today: date) -> int:
    """Working days elapsed since the effective due date (0 if not yet due or no longer open)."""
    if activity.state not in OPEN_STATES:
        return 0
    return max(0, working_days_between(effective_due(activity.due_date), today))


def is_overdue(activity, today: date) -> bool:
    """Open and at least one working day past its (effective) due date."""
    return working_days_late(activity, today) >= 1


def reminder_day(activity, days_before: int) -> date:
    """The working day `days_before` working days ahead of the effective due date."""
    return add_working_days(effective_due(activity.due_date), -days_before)
