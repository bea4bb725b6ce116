"""Project-wide request guards."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from workflows.policies import may_only_read
from workflows.problems import MEDIA_TYPE, problem

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

#: POSTs that change no business data: signing in and out, the language, marking the caller's own
#: notifications read, and the auditor's own check of the audit chain (it only reads).
EXEMPT_URL_NAMES = frozenset(
    {
        "login",
        "logout",
        "set_language",
        "api_token",
        "api_logout",
        "api_logout_all",
        "notifications",
        "audit_verify",
        "audit-check-list",  # POST /api/v1/audit-checks/: the same check, started through the API
        "audit-checkpoint-list",  # POST /api/v1/audit-checkpoints/: the page's "sign a checkpoint now"
    }
)


def _token_user(request):
    """The user of an `Authorization: Token <key>` header (DRF authenticates it only inside the view), by the
    same lookup as the API's authentication: a revoked or expired key, or an inactive user, gives None (the
    view then answers 401)."""
    from workflows.tokens import key_from_header, user_for_key

    key = key_from_header(request)
    return user_for_key(key) if key else None


def is_read_only(user) -> bool:
    """An auditor who holds no other role today (and is not an administrator) may only read
    (workflows.policies.may_only_read)."""
    return user is not None and bool(may_only_read(user))


class AuditorReadOnlyMiddleware:
    """Refuse every write (POST, PUT, PATCH, DELETE) of a read-only auditor with 403, before any view runs.

    The views and services check roles themselves; this guard makes "auditors write nothing" hold for every
    endpoint at once, including a new one, and answers 403 rather than a validation error.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in SAFE_METHODS:
            user = getattr(request, "user", None)
            if user is None or not user.is_authenticated:
                user = _token_user(request)
            if is_read_only(user) and not self._exempt(request.path_info):
                message = _("Kiểm tra viên chỉ được xem, không được thay đổi dữ liệu.")
                if request.path_info.startswith("/api/"):
                    return JsonResponse(
                        problem(403, "read_only", message), status=403, content_type=MEDIA_TYPE
                    )
                raise PermissionDenied(message)
        return self.get_response(request)

    @staticmethod
    def _exempt(path: str) -> bool:
        try:
            match = resolve(path)
        except Resolver404:
            return True  # the 404 comes from the URL resolver
        return match.url_name in EXEMPT_URL_NAMES


def _content_length(request) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except (TypeError, ValueError):
        return 0  # Django reads no body without a valid length either


def too_large_response(request, limit: int):
    """413: problem details under /api/, a short Vietnamese page elsewhere."""
    from django.template.loader import render_to_string

    if limit >= 2**20:
        size = _("%(n)s MB") % {"n": round(limit / 2**20, 1)}
    else:
        size = _("%(n)s KB") % {"n": max(limit // 1024, 1)}
    message = _("Dữ liệu gửi lên quá lớn (tối đa %(size)s).") % {"size": size}
    if request.path_info.startswith("/api/"):
        return JsonResponse(problem(413, "request_too_large", message), status=413, content_type=MEDIA_TYPE)
    from django.http import HttpResponse

    page = render_to_string("413.html", {"message": message}, request=request)
    return HttpResponse(page, status=413)


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body (Content-Length) is over its limit with 413, before any view or
    the CSRF check reads it: REQUEST_MAX_ANONYMOUS_BYTES for a caller who is not signed in (the public comment
    form, the login), REQUEST_MAX_UPLOAD_BYTES for a signed-in multipart upload, DATA_UPLOAD_MAX_MEMORY_SIZE for
    any other signed-in body. Without a Content-Length Django reads no body. docs/operations.md, "Request size
    limits" (the proxy in front sets client_max_body_size to the upload limit)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        length = _content_length(request)
        anonymous_limit = settings.REQUEST_MAX_ANONYMOUS_BYTES
        if length > anonymous_limit:
            user = getattr(request, "user", None)
            if user is None or not user.is_authenticated:
                user = _token_user(request)
            if user is None:
                return too_large_response(request, anonymous_limit)
            multipart = request.META.get("CONTENT_TYPE", "").lower().startswith("multipart/")
            limit = settings.REQUEST_MAX_UPLOAD_BYTES if multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            if length > limit:
                return too_large_response(request, limit)
        return self.get_response(request)
