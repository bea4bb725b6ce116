"""The Board's view of notification mail: what was sent to whom, what failed and why, and "gửi lại"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import audit
from .api import client_ip
from .models import MailStatus, Notification
from .names import full_name
from .notifications import resend
from .policies import may_act_for_board, may_verify_audit

PAGE_SIZE = 50


@login_required
def delivery_list(request):
    """Recent notifications with their mail delivery (Board officers and head; auditors read it), filtered by
    status; a failed one can be sent again by the Board."""
    board = may_act_for_board(request.user)
    if not (board or may_verify_audit(request.user)):  # the Board, auditors (and administrators) read it
        raise PermissionDenied(_("Chỉ Ban TĐKT và kiểm tra viên được xem tình trạng gửi thư thông báo."))
    status = request.GET.get("status", "")
    items = Notification.objects.select_related("recipient", "event").order_by("-created_at", "-pk")
    if status in MailStatus.values:
        items = items.filter(mail_status=status)
    else:
        status = ""
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "workflows/notification_delivery.html",
        {
            "page": page,
            "status": status,
            "statuses": MailStatus.choices,
            "failed": MailStatus.FAILED,
            "can_resend": board.allowed,
        },
    )


@login_required
@require_POST
def delivery_resend(request):
    """Send a failed notification's mail again (Board only), recorded as `notification_resent`."""
    board = may_act_for_board(request.user)
    if not board:
        raise PermissionDenied(_("Chỉ Ban TĐKT được gửi lại thư thông báo."))
    try:
        pk = int(request.POST.get("notification", ""))
    except ValueError:
        raise Http404 from None
    back = reverse("notification_delivery") + _filter_query(request.POST.get("status", ""))
    actor = audit.Actor(user=request.user, role=board.role, client_ip=client_ip(request))
    try:
        notification = resend(pk, actor=actor)
    except Notification.DoesNotExist:
        raise Http404 from None
    if notification is None:
        messages.error(request, _("Chỉ gửi lại được thư đã gửi không được."))
        return redirect(back)
    notification.refresh_from_db()
    if notification.mail_status == MailStatus.SENT:
        messages.success(
            request, _("Đã gửi lại thư thông báo cho %(who)s.") % {"who": full_name(notification.recipient)}
        )
    else:
        messages.info(request, _("Đã xếp thư thông báo vào hàng đợi để gửi lại."))
    return redirect(back)


def _filter_query(status: str) -> str:
    return f"?status={status}" if status in MailStatus.values else ""
