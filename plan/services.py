"""Writes around the plan that are not state changes: copying to the next year, issuing a draft plan,
unit plans, progress reports and oversight assignments. Each is atomic and audited."""

from __future__ import annotations

import calendar
import re
from datetime import date

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from plan.models import Activity, OversightAssignment, Plan, ProgressReport, UnitPlan, UnitPlanItem
from workflows import audit
from workflows.models import COUNCIL_ROLES, Membership
from workflows.policies import PolicyDenied, require
from workflows.roles import active_q

from .policies import (
    may_assign_oversight,
    may_copy_plan,
    may_issue_plan,
    may_register_unit_plan,
    may_report_progress,
)


def shift_year(day: date | None, years: int = 1) -> date | None:
    """The same day `years` later; a month's last day stays the month's last day (28/02 → 29/02 in leap years)."""
    if day is None:
        return None
    year = day.year + years
    last = calendar.monthrange(year, day.month)[1]
    if day.day == calendar.monthrange(day.year, day.month)[1]:
        return date(year, day.month, last)
    return date(year, day.month, min(day.day, last))


def shift_years_in_text(text: str, year: int, years: int = 1) -> str:
    """Move the plan's years forward by `years` (one by default): the plan year and the year before anywhere
    ("năm 2022 … năm 2023" → "năm 2023 … năm 2024"), the year after only as "năm …" (so an anniversary date
    like 02/01/2024 stays)."""

    def shift(match: re.Match) -> str:
        value = int(match.group("year"))
        if value in (year - 1, year) or (value == year + 1 and match.group("prefix")):
            return f"{match.group('prefix') or ''}{value + years}"
        return match.group(0)

    return re.sub(r"(?P<prefix>năm )?(?<!\d)(?P<year>\d{4})(?!\d)", shift, text)


def _require(entry, actor: audit.Actor, obj=None) -> audit.Actor:
    """Ask the plan's policy (plan/policies.py); these are people's acts, so the system actor is refused too,
    with the policy's own reason. Returns the actor as recorded, in the role decided there."""
    if actor.user is None:
        raise PolicyDenied(entry.func(AnonymousUser(), obj).reason)
    return require(entry, actor, obj)


@transaction.atomic
def plan_copy_to_next_year(*, plan: Plan, actor: audit.Actor) -> Plan:
    """Draft next year's plan from this one (activity 32): same activities, dates moved one year, no number yet."""
    actor = _require(may_copy_plan, actor, plan)
    return copy_plan(plan=plan, actor=actor)


def copy_plan(*, plan: Plan, actor: audit.Actor, year: int | None = None) -> Plan:
    """The copy itself, for callers that have already checked the actor (starting activity 32 through the engine).
    `year` is next year by default; a later year moves every date and year in the texts by as many years."""
    year = plan.year + 1 if year is None else year
    if year <= plan.year:
        raise ValidationError(
            {"year": _("Kế hoạch sao chép phải cho một năm sau năm %(year)s.") % {"year": plan.year}}
        )
    years = year - plan.year
    if Plan.objects.filter(year=year).exists():
        raise ValidationError({"year": _("Đã có kế hoạch năm %(year)s.") % {"year": year}})
    copy = Plan.objects.create(
        year=year,
        number="",
        title=shift_years_in_text(plan.title, plan.year, years),
        issuing_body=plan.issuing_body,
        issued_on=None,
        purposes=shift_years_in_text(plan.purposes, plan.year, years),
        requirements=shift_years_in_text(plan.requirements, plan.year, years),
        duties=[shift_years_in_text(duty, plan.year, years) for duty in plan.duties],
        copied_from=plan,
    )
    for activity in plan.activities.prefetch_related("coordinating_units").order_by("number"):
        due = shift_year(activity.planned_due_date, years)
        new = Activity.objects.create(
            plan=copy,
            number=activity.number,
            quarter=activity.quarter,
            content=shift_years_in_text(activity.content, plan.year, years),
            kind=activity.kind,
            lead_unit_id=activity.lead_unit_id,
            coordinates_with_related_agencies=activity.coordinates_with_related_agencies,
            lead_note=activity.lead_note,
            due_text=shift_years_in_text(activity.due_text, plan.year, years),
            planned_due_date=due,
            due_date=due,
        )
        new.coordinating_units.set(activity.coordinating_units.all())
    audit.record(
        subject=copy,
        actor=actor,
        verb="plan_copied",
        data={"from_plan": plan.pk, "from_year": plan.year, "activities": copy.activities.count()},
    )
    return copy


@transaction.atomic
def plan_issue(*, plan: Plan, number: str, issued_on: date, actor: audit.Actor) -> Plan:
    """The Board head records the number and date under which the drafted plan was signed and issued."""
    actor = _require(may_issue_plan, actor, plan)
    if plan.is_issued:
        raise ValidationError({"number": _("Kế hoạch đã được ban hành.")})
    number = number.strip()
    if not number:
        raise ValidationError({"number": _("Nhập số ký hiệu của kế hoạch.")})
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    plan.number, plan.issued_on = number, issued_on
    plan.save(update_fields=["number", "issued_on"])
    audit.record(
        subject=plan, actor=actor, verb="plan_issued", data={"number": number, "issued_on": issued_on}
    )
    return plan


@transaction.atomic
def unit_plan_register(
    *,
    plan: Plan,
    unit,
    actor: audit.Actor,
    number: str = "",
    issued_on: date | None = None,
    summary: str = "",
    activities=None,
) -> UnitPlan:
    """A unit's TĐKT officer or head registers the unit's plan, derived from the city activities it takes part in."""
    actor = _require(may_register_unit_plan, actor, unit)
    if UnitPlan.objects.filter(plan=plan, unit=unit).exists():
        raise ValidationError({"unit": _("Đơn vị đã đăng ký kế hoạch năm %(year)s.") % {"year": plan.year}})
    unit_plan = UnitPlan.objects.create(
        plan=plan,
        unit=unit,
        number=number.strip(),
        issued_on=issued_on,
        summary=summary,
        registered_by=actor.user,
    )
    chosen = list(activities) if activities is not None else list(derived_activities(plan, unit))
    for activity in chosen:
        if activity.plan_id != plan.pk:
            raise ValidationError(
                {"activities": _("Hoạt động không thuộc kế hoạch năm %(year)s.") % {"year": plan.year}}
            )
        UnitPlanItem.objects.create(
            unit_plan=unit_plan, activity=activity, content=activity.content, due_date=activity.due_date
        )
    audit.record(
        subject=unit_plan,
        actor=actor,
        verb="unit_plan_registered",
        data={"unit": unit.code, "activities": [a.number for a in chosen], "number": unit_plan.number},
    )
    return unit_plan


def derived_activities(plan: Plan, unit):
    """City activities a unit's plan derives from: those it leads or coordinates, and those involving all agencies."""
    return (
        plan.activities.filter(
            Q(lead_unit=unit) | Q(coordinating_units=unit) | Q(coordinates_with_related_agencies=True)
        )
        .distinct()
        .order_by("number")
    )


@transaction.atomic
def progress_report_submit(
    *, unit_plan: UnitPlan, period: str, content: str, items_done: int, actor: audit.Actor
) -> ProgressReport:
    """The unit reports periodically on its plan to the city (through the Board)."""
    actor = _require(may_report_progress, actor, unit_plan)
    if ProgressReport.objects.filter(unit_plan=unit_plan, period=period).exists():
        raise ValidationError({"period": _("Đơn vị đã báo cáo kỳ này.")})
    total = unit_plan.items.count()
    if items_done > total:
        raise ValidationError(
            {"items_done": _("Số nội dung hoàn thành không được vượt quá %(total)s.") % {"total": total}}
        )
    report = ProgressReport.objects.create(
        unit_plan=unit_plan,
        period=period,
        content=content.strip(),
        items_done=items_done,
        submitted_by=actor.user,
    )
    audit.record(
        subject=unit_plan,
        actor=actor,
        verb="progress_reported",
        data={"period": period, "items_done": items_done, "items_total": total},
    )
    return report


@transaction.atomic
def oversight_assign(*, plan: Plan, member, unit, actor: audit.Actor) -> OversightAssignment:
    """The Board head assigns a council member to oversee a unit for the year (section III.2)."""
    actor = _require(may_assign_oversight, actor, plan)
    is_member = Membership.objects.filter(
        active_q(timezone.localdate()), user=member, role__in=COUNCIL_ROLES
    ).exists()
    if not is_member:
        raise ValidationError({"member": _("Người được phân công phải là thành viên hội đồng.")})
    assignment, created = OversightAssignment.objects.get_or_create(plan=plan, member=member, unit=unit)
    if created:
        audit.record(
            subject=plan,
            actor=actor,
            verb="oversight_assigned",
            data={"member": member.username, "unit": unit.code},
        )
    return assignment
