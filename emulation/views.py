"""The year's division page: clusters and blocks with members, head and deputy; drafting and announcing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workflows import audit, engine
from workflows.api import client_ip
from workflows.models import Role
from workflows.permissions import can_read_history
from workflows.roles import has_role, is_board

from . import services
from .forms import GroupForm, OverseerForm
from .models import Division, DivisionState


def _actor(request, role):
    return audit.Actor(request.user, role=role, client_ip=client_ip(request))


def _errors(form, exc):
    for field, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


@login_required
def division_detail(request, year: int):
    division = Division.objects.filter(year=year).first()
    board = is_board(request.user)  # a superuser without a Board role drafts nothing (no domain powers)
    if division is None:
        return render(
            request, "emulation/division_detail.html", {"year": year, "division": None, "board": board}
        )
    board_head = has_role(request.user, Role.BOARD_HEAD)
    group_form = GroupForm(prefix="group") if board and division.state == DivisionState.DRAFT else None
    overseer_form = OverseerForm(prefix="overseer", division=division) if board_head else None
    if request.method == "POST":
        role = Role.BOARD_HEAD if has_role(request.user, Role.BOARD_HEAD) else Role.BOARD_OFFICER
        if "group-name" in request.POST:
            if group_form is None:
                raise PermissionDenied(_("Chỉ Ban TĐKT được sửa dự thảo phân chia."))
            group_form = GroupForm(request.POST, prefix="group")
            if group_form.is_valid():
                try:
                    services.group_add(
                        division=division, actor=_actor(request, role), **group_form.cleaned_data
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
                    services.group_assign_overseer(
                        actor=_actor(request, Role.BOARD_HEAD), **overseer_form.cleaned_data
                    )
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
            "can_read_history": can_read_history(request.user),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def division_open(request, year: int):
    role = Role.BOARD_HEAD if has_role(request.user, Role.BOARD_HEAD) else Role.BOARD_OFFICER
    division = services.division_open(year=year, actor=_actor(request, role))
    return redirect(division.get_absolute_url())
