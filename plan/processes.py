"""The process of activity 32 ("Ban hành Kế hoạch ... năm sau"): starting it drafts next year's plan as a copy of
this one; it is finished once the Board head records the issued plan's number and date."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from plan.models import ActivityKind, Plan
from workflows import processes


def start_next_year_plan(activity, actor):
    """Link next year's plan, drafting it from this year's when it does not exist yet."""
    from .services import copy_plan

    existing = Plan.objects.filter(year=activity.plan.year + 1).first()
    return existing or copy_plan(plan=activity.plan, actor=actor)


def next_year_plan_is_finished(plan: Plan) -> bool:
    return plan.is_issued


def register() -> None:
    processes.register(
        ActivityKind.NEXT_YEAR_PLAN.value,
        start=start_next_year_plan,
        is_finished=next_year_plan_is_finished,
        label=_("Kế hoạch TĐKT năm sau"),
    )
