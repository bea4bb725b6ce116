"""The year's division page: clusters and blocks with members, head and deputy; drafting and announcing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workflows import engine
from workflows.http import request_actor
from workflows.policies import decide_many, may_read_history

from . import services
from .forms import GroupForm, OverseerForm
from .models import Division, DivisionState
from .policies import may_assign_group_overseer, may_draft_division, may_open_division


def _errors(form, exc):
    for field, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


@login_required
def division_detail(request, year: int):
    division = Division.objects.filter(year=year).first()
    may = decide_many(
        request.user, division, may_open_division, may_draft_division, may_assign_group_overseer
    )
    board = bool(may["open_division"])  # a superuser without a Board role drafts nothing (no domain powers)
    if division is None:
        return render(
            request, "emulation/division_detail.html", {"year": year, "division": None, "board": board}
        )
    drafting = may["draft_division"] and division.state == DivisionState.DRAFT
    group_form = GroupForm(prefix="group") if drafting else None
    overseer_form = (
        OverseerForm(prefix="overseer", division=division) if may["assign_group_overseer"] else None
    )
    if request.method == "POST":
        if "group-name" in request.POST:
            if group_form is None:
                raise PermissionDenied(_("Chỉ Ban TĐKT được sửa dự thảo phân chia."))
            group_form = GroupForm(request.POST, prefix="group")
            if group_form.is_valid():
                try:
                    services.group_add(
                        division=division, actor=request_actor(request), **group_form.cleaned_data
                    )
                except ValidationError as exc:
                    _errors(group_form, exc)
                else:
                    messages.success(request, _("Đã thêm Cụm, Khối."))
                    return redirect(division.get_absolute_url())
        else:
            if overseer_form is None:
                raise PermissionDenied(_("Chỉ Trưởng Ban TĐKT được phân công."))
            overseer_form = OverseerForm(request.POST, prefix="overseer", division=division)
            if overseer_form.is_valid():
                try:
                    services.group_assign_overseer(actor=request_actor(request), **overseer_form.cleaned_data)
                except ValidationError as exc:
                    _errors(overseer_form, exc)
                else:
                    messages.success(request, _("Đã phân công."))
                    return redirect(division.get_absolute_url())
    return render(
        request,
        "emulation/division_detail.html",
        {
            "year": year,
            "division": division,
            "board": board,
            "groups": division.groups.select_related("head_unit", "deputy_unit").prefetch_related(
                "members", "overseers"
            ),
            "checks": [c for c in engine.available(division, request.user) if c.allowed or c.status == 409],
            "group_form": group_form,
            "overseer_form": overseer_form,
            "can_read_history": bool(may_read_history(request.user)),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def division_open(request, year: int):
    division = services.division_open(year=year, actor=request_actor(request))
    return redirect(division.get_absolute_url())
