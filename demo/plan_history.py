"""The demo's plans over time: the 2023 plan as it was carried out (every activity completed, on 2023 dates), and
the current year's plan, copied from it and brought to where a city would be today (what fell due weeks ago is
done, what falls due soon is under way, the rest is planned).

A demo records a past it did not live through. The engine stamps a transition with today's date, so the past is
written here instead, as a backfill: each state change is one audit event with the transition's own verb, source
and target state and the dates it sets, by the system actor, and the notifier's cursor moves past these events
(nobody is told today that an activity was completed in 2023). Everything after the backfill goes through the
engine. Idempotent: an activity already at (or past) its demo state is left as it is.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction

from plan import services
from plan.models import Activity, ActivityState, Plan
from workflows import audit, processes
from workflows.models import Role

HISTORY_YEAR = 2023
COMMENT = "Ghi nhận kết quả thực hiện (dữ liệu trình diễn)"
#: what fell due more than this many days ago is completed; an open activity is never later than this
DONE_AFTER_DAYS = 21
#: what falls due within this many days is under way
STARTED_BEFORE_DAYS = 30
OPEN = (ActivityState.PLANNED, ActivityState.IN_PROGRESS)


def _record(activity: Activity, verb: str, target: str, fields: dict) -> None:
    """One backfilled transition: the row's state and dates, and its audit event, in one transaction."""
    source = activity.state
    changes = {"state": [source, target]}
    changes.update({key: [getattr(activity, key), value] for key, value in fields.items()})
    with transaction.atomic():
        Activity.objects.filter(pk=activity.pk).update(state=target, **fields)
        audit.record(
            subject=activity,
            actor=audit.SYSTEM,
            verb=verb,
            source_state=source,
            target_state=target,
            comment=COMMENT,
            data={"changes": changes, "backfill": "seed_demo"},
        )
    activity.refresh_from_db()


def _start(activity: Activity, started_on: date) -> None:
    if activity.state == ActivityState.PLANNED:
        _record(activity, "start", ActivityState.IN_PROGRESS, {"started_on": started_on})


def _complete(activity: Activity, started_on: date, completed_on: date) -> None:
    _start(activity, started_on)
    if activity.state == ActivityState.IN_PROGRESS:
        _record(
            activity,
            "complete",
            ActivityState.COMPLETED,
            {
                "completed_on": completed_on,
                "evidence_number": f"{activity.number * 7 + 11}/BC-BTĐKT",
                "evidence_date": completed_on,
            },
        )


def _dates(activity: Activity, year: int) -> tuple[date, date]:
    """Started a month before the due date, finished a few days before it (every fifth a few days after)."""
    due = activity.due_date
    started = max(date(year, 1, 3), due - timedelta(days=30))
    offset = 3 if activity.number % 5 else -4
    completed = max(started, min(due - timedelta(days=offset), date(year, 12, 31)))
    return started, completed


def backfill_history(plan: Plan) -> int:
    """The past plan as carried out: every activity completed on its own year's dates. Returns the events."""
    events = 0
    for activity in plan.activities.order_by("number"):
        if activity.state in OPEN:
            before = activity.state
            started, completed = _dates(activity, plan.year)
            _complete(activity, started, completed)
            events += 1 if before == ActivityState.IN_PROGRESS else 2
    return events


def current_plan(history: Plan, today: date, *, board_officer, board_head) -> Plan:
    """This year's plan: copied from the past one by the Board, issued in December of the year before."""
    plan = Plan.objects.filter(year=today.year).first()
    if plan is None:
        plan = services.copy_plan(
            plan=history,
            year=today.year,
            actor=audit.Actor(board_officer, role=Role.BOARD_OFFICER),
        )
    if not plan.is_issued:
        plan = services.plan_issue(
            plan=plan,
            number=f"{200 + today.year % 100}/KH-UBND",
            issued_on=date(today.year - 1, 12, 20),
            actor=audit.Actor(board_head, role=Role.BOARD_HEAD),
        )
    return plan


def bring_up_to_date(plan: Plan, today: date) -> int:
    """Move the plan's activities to where they would be today. Activities with a process of their own (a
    council session, an innovation round, the next year's plan) stay for the user to start, unless long done."""
    events = 0
    activities = list(plan.activities.order_by("due_date", "number"))
    done_before = today - timedelta(days=DONE_AFTER_DAYS)
    for activity in activities:
        if activity.due_date < done_before and activity.state in OPEN:
            started, completed = _dates(activity, plan.year)
            events += 2 if activity.state == ActivityState.PLANNED else 1
            _complete(activity, min(started, today), min(completed, today))
    open_ = [
        a
        for a in activities
        if a.due_date >= done_before and processes.for_kind(a.kind) is None and a.state in OPEN
    ]
    starting = [a for a in open_ if a.due_date < today + timedelta(days=STARTED_BEFORE_DAYS)] or open_[:1]
    if len(open_) > 1 and open_[-1] in starting:
        starting.remove(open_[-1])  # the last activity of the year is always there to be started by hand
    for activity in starting:
        if activity.state == ActivityState.PLANNED:
            _start(activity, min(today, max(date(plan.year, 1, 3), activity.due_date - timedelta(days=30))))
            events += 1
    return events


def skip_notifications_for_backfill() -> None:
    """Move the notifier's cursor past the backfilled events (call after notifying what came before them)."""
    from workflows import audit
    from workflows.models import OutboxCursor

    with transaction.atomic():
        cursor, _ = OutboxCursor.objects.select_for_update().get_or_create(name="notifications")
        tails = [(chain, sequence) for chain, (sequence, _hash) in audit.chain_tails().items()]
        moved = audit.advance_positions(cursor.positions, tails)
        if moved != cursor.positions:
            cursor.positions = moved
            cursor.save(update_fields=["positions"])
