"""Reads for the plan: dashboard rows, the year's timeline, who oversees which unit, the consolidated report."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.apps import apps
from django.db.models import Count, Prefetch, Q, QuerySet

from plan.models import (
    Activity,
    ActivityKind,
    ActivityState,
    OversightAssignment,
    Plan,
    ProgressReport,
    UnitPlan,
)
from workflows.policies import readable_unit_ids

from .deadlines import effective_due, working_days_late
from .links import linked_process, process_is_finished
from .policies import own_unit_ids  # noqa: F401  (the units a user acts for; plan/policies.py)


def latest_plan() -> Plan | None:
    return Plan.objects.order_by("-year").first()


def activities(
    plan: Plan, *, unit=None, kind: str = "", state: str = "", quarter: int | None = None
) -> QuerySet:
    """The plan's activities, filtered by a unit taking part (lead or coordinating), kind, state and quarter."""
    queryset = plan.activities.select_related("lead_unit", "process_type").prefetch_related(
        "coordinating_units"
    )
    if unit is not None:
        queryset = queryset.filter(Q(lead_unit=unit) | Q(coordinating_units=unit)).distinct()
    if kind:
        queryset = queryset.filter(kind=kind)
    if state:
        queryset = queryset.filter(state=state)
    if quarter:
        queryset = queryset.filter(quarter=quarter)
    return queryset.order_by("number")


@dataclass
class ActivityRow:
    activity: Activity
    effective_due: date
    days_late: int

    @property
    def overdue(self) -> bool:
        return self.days_late >= 1


def rows(queryset, today: date) -> list[ActivityRow]:
    return [ActivityRow(a, effective_due(a.due_date), working_days_late(a, today)) for a in queryset]


def by_quarter(activity_rows: list[ActivityRow]) -> list[tuple[int, list[ActivityRow]]]:
    quarters: dict[int, list[ActivityRow]] = {1: [], 2: [], 3: [], 4: []}
    for row in activity_rows:
        quarters[row.activity.quarter].append(row)
    return [(quarter, items) for quarter, items in quarters.items() if items]


STATE_COLOURS = {
    ActivityState.PLANNED: "#9e9aa3",
    ActivityState.IN_PROGRESS: "#1a73e8",
    ActivityState.COMPLETED: "#1e8e3e",
    ActivityState.POSTPONED: "#f29900",
    ActivityState.CANCELLED: "#5f5b66",
}
OVERDUE_COLOUR = "#b3261e"


def timeline(plan: Plan, activity_rows: list[ActivityRow], today: date, width: int = 960) -> dict:
    """Geometry of an inline SVG: one row per activity, a bar from its quarter's start (or start date) to its due
    date, coloured by state (red when overdue); month ticks and a line for today."""
    start, end = date(plan.year, 1, 1), date(plan.year, 12, 31)
    label_width, row_height = 40, 16
    span = (end - start).days or 1
    plot = width - label_width - 10

    def x(day: date) -> float:
        day = min(max(day, start), end)
        return label_width + plot * (day - start).days / span

    def number(value: float) -> str:
        """SVG coordinates as plain strings: the template's number localisation would print "40,5"."""
        return f"{value:.1f}"

    bars = []
    for index, row in enumerate(activity_rows):
        activity = row.activity
        begin = activity.started_on or date(plan.year, 3 * activity.quarter - 2, 1)
        finish = activity.completed_on or activity.due_date
        left, right = x(min(begin, finish)), x(max(begin, finish))
        colour = OVERDUE_COLOUR if row.overdue else STATE_COLOURS.get(activity.state, "#9e9aa3")
        y = 20 + index * row_height
        bars.append(
            {
                "activity": activity,
                "y": str(y),
                "label_y": str(y + 10),
                "bar_y": str(y + 2),
                "x": number(left),
                "width": number(max(right - left, 3)),
                "due_x": number(x(activity.due_date)),
                "colour": colour,
                "overdue": row.overdue,
            }
        )
    months = [
        {
            "x": number(x(date(plan.year, month, 1))),
            "label_x": number(x(date(plan.year, month, 1)) + 2),
            "label": f"T{month}",
        }
        for month in range(1, 13)
    ]
    today_x = number(x(today)) if start <= today <= end else None
    return {
        "width": str(width),
        "height": str(30 + len(bars) * row_height),
        "bars": bars,
        "months": months,
        "today_x": today_x,
        "label_width": label_width,
    }


def kind_choices_in(plan: Plan) -> list[tuple[str, str]]:
    used = set(plan.activities.values_list("kind", flat=True))
    return [(value, label) for value, label in ActivityKind.choices if value in used]


def process_info(activity: Activity) -> dict | None:
    """The linked process for pages and the API: object, label, link and whether it has finished."""
    obj = linked_process(activity)
    if obj is None:
        return None
    from workflows import processes

    kind = processes.for_kind(activity.kind)
    return {
        "object": obj,
        "label": str(obj),
        "kind_label": str(kind.label) if kind else activity.kind,
        "url": obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else "",
        "finished": process_is_finished(activity),
        "type": f"{activity.process_type.app_label}.{activity.process_type.model}",
        "id": activity.process_id,
    }


def overseen_unit_ids(user, plan: Plan) -> set[int]:
    """Units a council member was assigned to oversee this year: directly, or as members of a cluster/block."""
    ids = set(OversightAssignment.objects.filter(plan=plan, member=user).values_list("unit_id", flat=True))
    if apps.is_installed("emulation"):
        group_model = apps.get_model("emulation", "EmulationGroup")
        ids |= set(
            group_model.objects.filter(year=plan.year, overseers=user).values_list("members", flat=True)
        )
    ids.discard(None)
    return ids


def visible_unit_plans(user, plan: Plan) -> QuerySet:
    """The Board, auditors and the chairman see every unit's plan; a unit sees its own; a council member sees
    the units (and clusters/blocks) assigned to them."""
    queryset = (
        UnitPlan.objects.filter(plan=plan)
        .select_related("unit", "registered_by")
        .annotate(item_count=Count("items", distinct=True))
        .prefetch_related(Prefetch("reports", queryset=ProgressReport.objects.order_by("-submitted_at")))
    )
    own = readable_unit_ids(user)  # None: the user reads everything (workflows.policies)
    if own is None:
        return queryset
    return queryset.filter(unit_id__in=own | overseen_unit_ids(user, plan))


def unit_progress(unit_plan: UnitPlan) -> dict:
    """Progress of a unit's plan: its items' city activities by state, and its latest report."""
    states = Counter(unit_plan.items.filter(activity__isnull=False).values_list("activity__state", flat=True))
    latest = unit_plan.reports.order_by("-submitted_at").first()
    total = unit_plan.items.count()
    return {
        "total": total,
        "states": dict(states),
        "latest": latest,
        "reported_done": latest.items_done if latest else 0,
        "percent": round(100 * latest.items_done / total) if latest and total else 0,
    }


def consolidated_report(plan: Plan, today: date) -> dict:
    """The Board's consolidated report: activities by state and quarter, overdue ones, units' plans and reports."""
    activity_rows = rows(activities(plan), today)
    by_state = Counter(row.activity.state for row in activity_rows)
    matrix = []
    for quarter in range(1, 5):
        counts = Counter(row.activity.state for row in activity_rows if row.activity.quarter == quarter)
        matrix.append(
            {
                "quarter": quarter,
                "counts": [counts.get(state, 0) for state in ActivityState.values],
                "total": sum(counts.values()),
            }
        )
    unit_plans = list(all_unit_plans(plan))
    registered = {up.unit_id for up in unit_plans}
    involved = set(plan.activities.values_list("lead_unit", flat=True)) | set(
        plan.activities.values_list("coordinating_units", flat=True)
    )
    involved.discard(None)
    from organisations.models import Unit

    return {
        "total": len(activity_rows),
        "states": [(value, label, by_state.get(value, 0)) for value, label in ActivityState.choices],
        "matrix": matrix,
        "overdue": [row for row in activity_rows if row.overdue],
        "unit_plans": [(up, unit_progress(up)) for up in unit_plans],
        "unregistered": list(Unit.objects.filter(pk__in=involved - registered).order_by("name")),
        "completion": round(100 * by_state.get(ActivityState.COMPLETED, 0) / len(activity_rows))
        if activity_rows
        else 0,
    }


def all_unit_plans(plan: Plan) -> QuerySet:
    return UnitPlan.objects.filter(plan=plan).select_related("unit").order_by("unit__name")
