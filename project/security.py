"""Hooks for django-axes: the client address behind the proxy, and the Vietnamese lockout answer."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def client_ip(request) -> str | None:
    """REMOTE_ADDR; behind the TLS proxy (DJANGO_BEHIND_TLS_PROXY=1), the address the proxy appended last to
    X-Forwarded-For (the left-most entries are whatever the client sent, so they are not trusted)."""
    request = getattr(request, "_request", request)  # a DRF Request wraps the Django one
    if getattr(settings, "BEHIND_PROXY", False):
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR") or None


def _minutes() -> int:
    return int(float(settings.AXES_COOLOFF_TIME) * 60)


def lockout_message() -> str:
    return _(
        "Tài khoản tạm thời bị khóa trên máy này vì đăng nhập sai quá %(limit)s lần. "
        "Vui lòng thử lại sau %(minutes)s phút hoặc liên hệ quản trị viên."
    ) % {"limit": settings.AXES_FAILURE_LIMIT, "minutes": _minutes()}


def lockout_response(request, original_response=None, credentials=None):
    """429 with the message: JSON for the API (the token endpoint), the lockout page for the web."""
    request = getattr(request, "_request", request)
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": lockout_message(), "code": "locked_out"}, status=429)
    return render(
        request,
        "registration/lockout.html",
        {"message": lockout_message(), "minutes": _minutes()},
        status=429,
    )


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' backend, except for calls without a request (the test client's login(), shell scripts):
    those have no client address to throttle and come from inside, so they pass on to the next backend.
    Every network path (the login page, the admin login, the API token endpoint) passes its request."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
