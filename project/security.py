"""Hooks for django-axes: the client address behind the proxy, and the Vietnamese lockout answer."""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.permissions import BasePermission


def _minutes() -> int:
    return int(float(settings.AXES_COOLOFF_TIME) * 60)


def lockout_message(request=None) -> str:
    if request is not None and getattr(request, "login_ip_locked_out", False):
        return _(
            "Địa chỉ mạng này tạm thời bị chặn đăng nhập vì có quá %(limit)s lần đăng nhập sai "
            "(với nhiều tài khoản). Vui lòng thử lại sau %(minutes)s phút hoặc liên hệ quản trị viên."
        ) % {"limit": settings.LOGIN_IP_FAILURE_LIMIT, "minutes": _minutes()}
    return _(
        "Tài khoản tạm thời bị khóa trên máy này vì đăng nhập sai quá %(limit)s lần. "
        "Vui lòng thử lại sau %(minutes)s phút hoặc liên hệ quản trị viên."
    ) % {"limit": settings.AXES_FAILURE_LIMIT, "minutes": _minutes()}


def lockout_response(request, original_response=None, credentials=None):
    """429 with the message: problem details for the API (the token endpoint), the lockout page for the web."""
    request = getattr(request, "_request", request)
    if request.path_info.startswith("/api/"):
        from workflows.problems import MEDIA_TYPE, problem

        body = problem(429, "locked_out", lockout_message(request))
        return JsonResponse(body, status=429, content_type=MEDIA_TYPE)
    return render(
        request,
        "registration/lockout.html",
        {"message": lockout_message(request), "minutes": _minutes()},
        status=429,
    )


class LoginThrottleHandler(AxesDatabaseHandler):
    """django-axes' database handler with a second, higher limit per address.

    axes keeps one failure record per username + address (AXES_LOCKOUT_PARAMETERS) and one limit for all of
    its parameter sets, so spraying one password over many usernames from one address (a try or two each) is
    never locked. This handler also sums the failures of every username from the request's address within the
    cool-off and locks the address out at LOGIN_IP_FAILURE_LIMIT (DJANGO_LOGIN_IP_FAILURE_LIMIT, default 20).
    A successful login still clears only its own username + address record (AXES_RESET_ON_SUCCESS), so an
    attacker who signs in with an account of their own does not wipe the address' count.
    """

    def get_failures(self, request, credentials=None) -> int:
        failures = super().get_failures(request, credentials)
        ip_address = getattr(request, "axes_ip_address", None)
        request.login_ip_locked_out = False
        if not ip_address or failures >= settings.AXES_FAILURE_LIMIT:
            return failures
        from_address = (
            AccessAttempt.objects.filter(
                ip_address=ip_address, attempt_time__gte=get_cool_off_threshold(request)
            ).aggregate(total=Sum("failures_since_start"))["total"]
            or 0
        )
        if from_address >= settings.LOGIN_IP_FAILURE_LIMIT:
            request.login_ip_locked_out = True
            # axes compares what this returns with AXES_FAILURE_LIMIT: report "at the limit"
            return max(failures, settings.AXES_FAILURE_LIMIT)
        return failures


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' backend, except for calls without a request (the test client's login(), shell scripts):
    those have no client address to throttle and come from inside, so they pass on to the next backend.
    Every network path (the login page, the admin login, the API token endpoint) passes its request."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class ApiDocsPermission(BasePermission):
    """/api/schema/ and /api/docs/: open in development (DJANGO_DEBUG=1), for a signed-in user (session or API
    key) in production, so that an outsider does not get the map of every endpoint."""

    message = gettext_lazy("Tài liệu API chỉ dành cho người dùng đã đăng nhập.")

    def has_permission(self, request, view):
        return bool(settings.DEBUG or (request.user and request.user.is_authenticated))
