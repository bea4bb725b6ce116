"""Fixed-window rate limits on Django's cache: «at most N per period for this scope and this caller».

One counter per (scope, ident, window): the first hit creates it with cache.add (atomic: only one caller
wins), the others cache.incr it (atomic on every backend Django ships: locmem, Redis, Memcached, database).
A window is `period` seconds long and starts at a multiple of `period` since the epoch, so a counter never
needs resetting: the next window is another key, and the cache expires the old one.

Rates are written like DRF's ("5/hour", "200/day", "60/minute"), so one setting can feed both this helper and
rest_framework.throttling.ScopedRateThrottle.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache
from rest_framework.exceptions import Throttled
from rest_framework.throttling import BaseThrottle

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int  # seconds


def parse_rate(rate: str) -> Rate:
    """'5/hour' → Rate(5, 3600). The period is read from its first letter, as DRF does (s, m, h, d)."""
    count, _, period = str(rate).partition("/")
    limit = int(count)
    seconds = PERIODS.get(period.strip()[:1].lower())
    if limit < 0 or seconds is None:
        raise ValueError(f"rate {rate!r}: expected '<count>/<second|minute|hour|day>'")
    return Rate(limit, seconds)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int  # hits in the current window, this one included when allowed
    retry_after: int  # seconds until the window ends (0 when allowed)


class RateLimited(Exception):
    """Refused by a rate limit (HTTP 429): `message` says so in Vietnamese, `retry_after` in how many seconds."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def _key(scope: str, ident: str, window: int) -> str:
    digest = hashlib.sha256(f"{scope}\x00{ident}".encode()).hexdigest()[:32]
    return f"throttle:{scope}:{digest}:{window}"


def hit(scope: str, ident: str | None, rate: str | Rate, *, now: float | None = None) -> Verdict:
    """Count one hit of `ident` on `scope` and say whether it stays within `rate`. A refused hit is not
    counted (a caller hammering a closed door does not keep it closed for longer)."""
    rate = parse_rate(rate) if isinstance(rate, str) else rate
    now = time.time() if now is None else now
    window = int(now // rate.period)
    retry_after = max(1, int((window + 1) * rate.period - now))
    key = _key(scope, ident or "-", window)
    current = cache.get(key, 0)
    if current >= rate.limit:
        return Verdict(False, current, retry_after)
    if cache.add(key, 1, timeout=rate.period + 1):
        return Verdict(True, 1, 0)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr(): this hit opens the window again
        cache.add(key, 1, timeout=rate.period + 1)
        return Verdict(True, 1, 0)
    if count > rate.limit:
        cache.decr(key)
        return Verdict(False, count - 1, retry_after)
    return Verdict(True, count, 0)


def peek(scope: str, ident: str | None, rate: str | Rate, *, now: float | None = None) -> int:
    """Hits of `ident` on `scope` in the current window, without counting one."""
    rate = parse_rate(rate) if isinstance(rate, str) else rate
    now = time.time() if now is None else now
    return cache.get(_key(scope, ident or "-", int(now // rate.period)), 0)


# -- exports and generated PDFs: one counter per user for the web views and the API ("exports" scope) --------

EXPORTS = "exports"


def rate_for(scope: str) -> str:
    """The rate of a scope, read from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (DJANGO_EXPORT_RATE for
    "exports") each time, so that the web views and the API always apply the same, current setting."""
    from rest_framework.settings import api_settings

    return api_settings.DEFAULT_THROTTLE_RATES[scope]


def ident_of(request) -> str:
    """Who is counted: the signed-in user, else the client address (behind the proxy: its last hop)."""
    from .http import client_ip

    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_ip(request)}"


def export_refused_message(retry_after: int) -> str:
    from django.utils.translation import gettext as _

    return _(
        "Bạn đã tải quá nhiều tệp xuất (Excel, PDF) trong thời gian ngắn. Vui lòng thử lại sau %(minutes)s phút."
    ) % {"minutes": max(1, -(-retry_after // 60))}


def export_refusal(request):
    """Count one export by the caller; None if within the "exports" rate, else the 429 page saying when to
    come back (with Retry-After)."""
    from django.shortcuts import render

    verdict = hit(EXPORTS, ident_of(request), rate_for(EXPORTS))
    if verdict.allowed:
        return None
    response = render(
        request,
        "workflows/rate_limited.html",
        {"message": export_refused_message(verdict.retry_after)},
        status=429,
    )
    response["Retry-After"] = str(verdict.retry_after)
    return response


def limit_exports(view):
    """Decorate a web view that generates an export or a PDF: at most the "exports" rate per user. Put it
    below @login_required, so that a visitor who is not signed in is sent to the login page first."""
    from functools import wraps

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        return export_refusal(request) or view(request, *args, **kwargs)

    return wrapped


class ScopedThrottle(BaseThrottle):
    """DRF throttle (DEFAULT_THROTTLE_CLASSES) for views or @action's naming a `throttle_scope`: the scope's
    rate from DEFAULT_THROTTLE_RATES, counted by hit() per user, in the same counters as the web views of that
    scope. Views without a scope are not throttled. Over the limit: 429 JSON in Vietnamese, with Retry-After."""

    def allow_request(self, request, view):
        scope = getattr(view, "throttle_scope", None)
        if not scope:
            return True
        verdict = hit(scope, ident_of(request), rate_for(scope))
        if verdict.allowed:
            return True
        refused = Throttled(detail=export_refused_message(verdict.retry_after))
        refused.wait = verdict.retry_after  # the Retry-After header, without DRF's English sentence
        raise refused
