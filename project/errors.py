"""Error pages in the site's layout (templates/400.html, 403.html, 404.html; 500.html is static): Vietnamese,
why, and a way back (home, and the page the user came from when it is on this site)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import requires_csrf_token

from workflows.problems import MEDIA_TYPE, problem


def _back_url(request) -> str:
    """The referring page when it is on this site and not the failing page itself, else ""."""
    referer = request.META.get("HTTP_REFERER", "")
    if not referer or len(referer) > 2000:
        return ""
    if not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    if urlsplit(referer).path == request.path:
        return ""
    return referer


#: What an API client is told when the URL resolver (not a DRF view, which answers its own errors) refuses.
API_DETAILS = {
    400: _("Yêu cầu không hợp lệ."),
    403: _("Bạn không có quyền thực hiện thao tác này."),
    404: _("Không tìm thấy."),
}


#: Their problem-details codes (workflows/problems.py): the API's one error shape, application/problem+json.
API_CODES = {400: "invalid", 403: "permission_denied", 404: "not_found"}


def _page(request, template: str, status: int, reason: str = ""):
    if request.path.startswith("/api/"):
        body = problem(status, API_CODES[status], reason or str(API_DETAILS[status]))
        return JsonResponse(body, status=status, content_type=MEDIA_TYPE)
    return render(request, template, {"reason": reason, "back_url": _back_url(request)}, status=status)


@requires_csrf_token
def bad_request(request, exception):
    return _page(request, "400.html", 400)  # the exception is not shown (it may describe the request)


@requires_csrf_token
def permission_denied(request, exception):
    """The reason is the PermissionDenied's own message (the services and views write them in Vietnamese)."""
    return _page(request, "403.html", 403, str(exception) if exception is not None else "")


@requires_csrf_token
def page_not_found(request, exception):
    return _page(request, "404.html", 404)  # Http404's text is for developers; the page says why itself
