"""The Board's role-grant page: propose a role, approve or refuse a pending grant, end a membership."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from organisations.models import CouncilTerm, Unit

from .engine import TransitionNotAllowed
from .forms import DateField
from .http import request_actor
from .models import APPROVAL_ROLES, Membership, Role
from .policies import may_manage_grant_approval, may_manage_membership_end, may_manage_roles
from .services import (
    membership_approve,
    membership_end,
    membership_grant,
    membership_reject,
)


class MembershipProposeForm(forms.Form):
    user = forms.ModelChoiceField(
        label=gettext_lazy("Người được giao"), queryset=get_user_model().objects.filter(is_active=True)
    )
    role = forms.ChoiceField(label=gettext_lazy("Vai trò"), choices=Role.choices)
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Đơn vị"), queryset=Unit.objects.order_by("name"), required=False
    )
    council_term = forms.ModelChoiceField(
        label=gettext_lazy("Nhiệm kỳ hội đồng"),
        queryset=CouncilTerm.objects.select_related("council"),
        required=False,
    )
    valid_from = DateField(
        label=gettext_lazy("Hiệu lực từ"),
        required=False,
        help_text=gettext_lazy("Ngày/tháng/năm; để trống là hôm nay."),
    )
    valid_to = DateField(
        label=gettext_lazy("Hiệu lực đến"),
        required=False,
        help_text=gettext_lazy("Ngày/tháng/năm; để trống là không thời hạn."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def membership_list(request):
    """Active and pending memberships; the Board proposes (a unit role takes effect at once, a city-wide or
    council role waits for a second person's approval)."""
    if not may_manage_roles(request.user):
        raise PermissionDenied(_("Chỉ Ban TĐKT được quản lý việc giao vai trò."))
    form = MembershipProposeForm(data=request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                membership = membership_grant(
                    user=data["user"],
                    role=data["role"],
                    unit=data["unit"],
                    council_term=data["council_term"],
                    valid_from=data["valid_from"],
                    valid_to=data["valid_to"],
                    actor=request_actor(request),
                )
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                if membership.approved_at is None:
                    messages.success(
                        request, _("Đã đề xuất; vai trò có hiệu lực khi người thứ hai phê duyệt.")
                    )
                else:
                    messages.success(request, _("Đã giao vai trò."))
                return redirect("memberships")
        status = 400
    pending = [
        {"membership": m, "may_approve": may_manage_grant_approval(request.user, m)}
        for m in Membership.objects.filter(approved_at__isnull=True, ended_at__isnull=True)
        .select_related("user", "unit", "council_term__council", "proposed_by")
        .order_by("pk")
    ]
    active = Membership.objects.filter(approved_at__isnull=False, ended_at__isnull=True).select_related(
        "user", "unit", "council_term__council", "approved_by"
    )
    return render(
        request,
        "workflows/membership_list.html",
        {
            "form": form,
            "pending": pending,
            "active": active.order_by("user__username", "role")[:500],
            "may_end": may_manage_membership_end(request.user),
            "approval_roles": sorted(Role(r).label for r in APPROVAL_ROLES),
        },
        status=status,
    )


def _act(request, pk: int, action) -> None:
    membership = get_object_or_404(Membership, pk=pk)
    try:
        action(membership)
    except (PermissionDenied, TransitionNotAllowed) as exc:
        messages.error(request, getattr(exc, "message", None) or str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        return True
    return False


@login_required
@require_POST
def membership_approve_view(request, pk: int):
    comment = request.POST.get("comment", "")[:1000]
    if _act(
        request, pk, lambda m: membership_approve(membership=m, actor=request_actor(request), comment=comment)
    ):
        messages.success(request, _("Đã phê duyệt; vai trò có hiệu lực ngay."))
    return redirect("memberships")


@login_required
@require_POST
def membership_reject_view(request, pk: int):
    comment = request.POST.get("comment", "")[:1000]
    if _act(
        request, pk, lambda m: membership_reject(membership=m, actor=request_actor(request), comment=comment)
    ):
        messages.success(request, _("Đã từ chối đề xuất giao vai trò."))
    return redirect("memberships")


@login_required
@require_POST
def membership_end_view(request, pk: int):
    if _act(request, pk, lambda m: membership_end(membership=m, actor=request_actor(request))):
        messages.success(request, _("Đã kết thúc vai trò; quyền chấm dứt ngay."))
    return redirect("memberships")
