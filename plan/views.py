"""Web pages of the plan: dashboard with timeline, activity page, Excel export, consolidated report,
copying to next year, unit plans with progress reports, and oversight assignments."""

from __future__ import annotations

from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from organisations.models import Unit
from plan.models import ActivityState, Plan, UnitPlan
from workflows import engine
from workflows.exports import safe_append
from workflows.http import request_actor
from workflows.policies import decide_many, may_read_everything, may_read_history
from workflows.throttle import limit_exports

from . import selectors, services
from .deadlines import effective_due, working_days_late
from .forms import FilterForm, IssueForm, OversightForm, ProgressReportForm, UnitPlanForm
from .policies import may_assign_oversight, may_copy_plan, may_issue_plan, may_report_progress


def _form_errors(form, exc: ValidationError) -> None:
    for field, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


@login_required
def plan_index(request):
    plan = selectors.latest_plan()
    if plan is None:
        return render(request, "plan/empty.html")
    return redirect("plan:dashboard", plan.year)


@login_required
def dashboard(request, year: int):
    """Activities by quarter with status, lead unit, due date and overdue flag; the year's timeline; filters."""
    plan = get_object_or_404(Plan, year=year)
    today = timezone.localdate()
    form = FilterForm(request.GET or None, kinds=selectors.kind_choices_in(plan))
    filters = form.cleaned_data if form.is_valid() else {}
    queryset = selectors.activities(
        plan, unit=filters.get("unit"), kind=filters.get("kind", ""), state=filters.get("state", "")
    )
    activity_rows = selectors.rows(queryset, today)
    all_rows = (
        activity_rows
        if not filters or not any(filters.values())
        else selectors.rows(selectors.activities(plan), today)
    )
    may = decide_many(request.user, plan, may_copy_plan, may_issue_plan)
    counts = {value: 0 for value in ActivityState.values}
    for row in all_rows:
        counts[row.activity.state] += 1
    return render(
        request,
        "plan/dashboard.html",
        {
            "plan": plan,
            "form": form,
            "quarters": selectors.by_quarter(activity_rows),
            "timeline": selectors.timeline(plan, activity_rows, today),
            "today": today,
            "counts": [(value, label, counts[value]) for value, label in ActivityState.choices],
            "overdue_count": sum(1 for row in all_rows if row.overdue),
            "shown": len(activity_rows),
            "total": len(all_rows),
            "may": may,
            # the Board's buttons (copy to next year; the issue form, which itself admits the Board head only)
            "is_board": bool(may["copy_plan"]),
            "can_report": bool(may_read_everything(request.user)),
            "query": request.GET.urlencode(),
            "next_plan": Plan.objects.filter(year=plan.year + 1).first(),
            "years": Plan.objects.values_list("year", flat=True).order_by("year"),
            "legend": [(label, selectors.STATE_COLOURS[value]) for value, label in ActivityState.choices]
            + [(_("Quá hạn"), selectors.OVERDUE_COLOUR)],
        },
    )


@login_required
def activity_detail(request, pk: int):
    """One activity: its data, the buttons of the transitions the user may take, its linked process and history."""
    activity = get_object_or_404(
        selectors.Activity.objects.select_related("plan", "lead_unit", "process_type"), pk=pk
    )
    today = timezone.localdate()
    checks = engine.available(activity, request.user)
    return render(
        request,
        "plan/activity_detail.html",
        {
            "activity": activity,
            "plan": activity.plan,
            "checks": checks,
            "allowed_checks": [c for c in checks if c.allowed],
            "blocked_checks": [
                c for c in checks if not c.allowed and c.status == 409 and c.authority is not None
            ],
            "effective_due": effective_due(activity.due_date),
            "days_late": working_days_late(activity, today),
            "process": selectors.process_info(activity),
            "can_read_history": bool(may_read_history(request.user)),
            "unit_items": activity.unit_plan_items.select_related("unit_plan__unit")
            if may_read_everything(request.user)
            else [],
        },
    )


@login_required
@limit_exports
def export_xlsx(request, year: int):
    """The plan as an Excel workbook, one row per activity, with its live state and overdue flag."""
    plan = get_object_or_404(Plan, year=year)
    today = timezone.localdate()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"Kế hoạch {plan.year}"
    safe_append(sheet, [str(plan)])
    safe_append(
        sheet,
        [
            f"{plan.issuing_body} · {_('ngày')} {plan.issued_on:%d/%m/%Y}"
            if plan.issued_on
            else plan.issuing_body
        ],
    )
    header = [
        _("TT"),
        _("Quý"),
        _("Nội dung"),
        _("Loại"),
        _("Đơn vị chủ trì"),
        _("Đơn vị phối hợp"),
        _("Thời gian"),
        _("Hạn hiện tại"),
        _("Trạng thái"),
        _("Quá hạn (ngày làm việc)"),
        _("Văn bản kết quả"),
    ]
    safe_append(sheet, header)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F1EDF3")
    sheet["A1"].font = Font(bold=True, size=13)
    for row in selectors.rows(selectors.activities(plan), today):
        activity = row.activity
        evidence = ""
        if activity.evidence_number:
            evidence = f"{activity.evidence_number} ({activity.evidence_date:%d/%m/%Y})"
        safe_append(
            sheet,
            [
                activity.number,
                activity.quarter,
                activity.content,
                activity.get_kind_display(),
                activity.lead_unit.name,
                ", ".join(u.name for u in activity.coordinating_units.all()),
                activity.due_text,
                activity.due_date,
                activity.get_state_display(),
                row.days_late or "",
                evidence,
            ],
        )
        sheet.cell(sheet.max_row, 8).number_format = "DD/MM/YYYY"
    for column, width in zip("ABCDEFGHIJK", [5, 5, 80, 24, 28, 28, 20, 12, 16, 12, 24], strict=True):
        sheet.column_dimensions[column].width = width
    for cells in sheet.iter_rows(min_row=4, min_col=3, max_col=6):
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="ke-hoach-tdkt-{plan.year}.xlsx"'
    return response


@login_required
def report(request, year: int):
    """The Board's consolidated report on the plan and the units' own plans."""
    if not may_read_everything(request.user):
        raise PermissionDenied(_("Chỉ Ban TĐKT, kiểm tra viên và Chủ tịch UBND được xem báo cáo tổng hợp."))
    plan = get_object_or_404(Plan, year=year)
    report = selectors.consolidated_report(plan, timezone.localdate())
    unit_view = "successor" if request.GET.get("unit_view") == "successor" else "then"
    if unit_view == "successor":
        report["unit_plans"] = [
            (unit_plan, {**progress, "successors": _successor_names(unit_plan.unit)})
            for unit_plan, progress in report["unit_plans"]
        ]
    return render(
        request,
        "plan/report.html",
        {
            "plan": plan,
            "report": report,
            "unit_view": unit_view,
            "state_labels": [label for _value, label in ActivityState.choices],
        },
    )


def _successor_names(unit) -> str:
    """The units that continue `unit` today (organisations.timeline.successors_of), "" when it is still in
    force or nothing succeeds it: the report then names the unit as it was."""
    from organisations.timeline import successors_of

    successors = [successor for successor in successors_of(unit) if successor.pk != unit.pk]
    return ", ".join(successor.name for successor in successors)


@login_required
@require_POST
def copy_to_next_year(request, year: int):
    plan = get_object_or_404(Plan, year=year)
    try:
        copy = services.plan_copy_to_next_year(plan=plan, actor=request_actor(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("plan:dashboard", plan.year)
    messages.success(request, _("Đã tạo dự thảo kế hoạch năm %(year)s.") % {"year": copy.year})
    return redirect("plan:dashboard", copy.year)


@login_required
def issue(request, year: int):
    """The Board head records the number and date of the signed plan (a draft copy becomes the issued plan)."""
    plan = get_object_or_404(Plan, year=year)
    if not (decision := may_issue_plan(request.user, plan)):
        raise PermissionDenied(decision.reason)
    form = IssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_issue(plan=plan, actor=request_actor(request), **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Đã ghi nhận ban hành kế hoạch."))
            return redirect("plan:dashboard", plan.year)
    return render(
        request,
        "plan/issue.html",
        {"plan": plan, "form": form},
        status=400 if request.method == "POST" else 200,
    )


def _own_units(user):
    return Unit.objects.filter(pk__in=selectors.own_unit_ids(user)).order_by("name")


@login_required
def unit_plans(request, year: int):
    """Units' own plans: the Board sees all, a unit its own (and registers it here), a council member those assigned."""
    plan = get_object_or_404(Plan, year=year)
    own = _own_units(request.user).exclude(unit_plans__plan=plan)
    form = UnitPlanForm(request.POST or None, units=own, plan=plan)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                unit_plan = services.unit_plan_register(
                    plan=plan,
                    unit=data["unit"],
                    number=data["number"],
                    issued_on=data["issued_on"],
                    summary=data["summary"],
                    activities=list(data["activities"]) or None,
                    actor=request_actor(request),
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Đã đăng ký kế hoạch của đơn vị."))
                return redirect(unit_plan.get_absolute_url())
    overseen = selectors.overseen_unit_ids(request.user, plan)
    return render(
        request,
        "plan/unit_plans.html",
        {
            "plan": plan,
            "form": form if own.exists() else None,
            "unit_plans": [
                (up, selectors.unit_progress(up)) for up in selectors.visible_unit_plans(request.user, plan)
            ],
            "overseen_units": Unit.objects.filter(pk__in=overseen).order_by("name"),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def unit_plan_detail(request, pk: int):
    unit_plan = get_object_or_404(UnitPlan.objects.select_related("plan", "unit"), pk=pk)
    if not selectors.visible_unit_plans(request.user, unit_plan.plan).filter(pk=pk).exists():
        raise Http404
    can_report = bool(may_report_progress(request.user, unit_plan))
    form = ProgressReportForm(request.POST or None) if can_report else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("Chỉ đơn vị được báo cáo tiến độ kế hoạch của mình."))
        if form.is_valid():
            try:
                services.progress_report_submit(
                    unit_plan=unit_plan,
                    actor=request_actor(request),
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Đã gửi báo cáo tiến độ."))
                return redirect(unit_plan.get_absolute_url())
    return render(
        request,
        "plan/unit_plan_detail.html",
        {
            "unit_plan": unit_plan,
            "plan": unit_plan.plan,
            "form": form,
            "items": unit_plan.items.select_related("activity__lead_unit"),
            "progress": selectors.unit_progress(unit_plan),
            "reports": unit_plan.reports.select_related("submitted_by"),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def oversight(request, year: int):
    """Council members assigned to oversee units (the Board head assigns; the Board reads)."""
    plan = get_object_or_404(Plan, year=year)
    if not may_read_everything(request.user):
        raise PermissionDenied(_("Chỉ Ban TĐKT được xem phân công phụ trách."))
    can_assign = bool(may_assign_oversight(request.user, plan))
    form = OversightForm(request.POST or None) if can_assign else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("Chỉ Trưởng Ban TĐKT được phân công."))
        if form.is_valid():
            try:
                services.oversight_assign(plan=plan, actor=request_actor(request), **form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Đã phân công."))
                return redirect("plan:oversight", plan.year)
    return render(
        request,
        "plan/oversight.html",
        {
            "plan": plan,
            "form": form,
            "assignments": plan.oversight_assignments.select_related("member", "unit"),
        },
        status=400 if request.method == "POST" else 200,
    )
