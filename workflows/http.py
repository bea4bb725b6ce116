"""The one client-address helper, for the audit log, the throttles and login throttling alike."""

from __future__ import annotations

from django.conf import settings


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


def request_actor(request, role: str = ""):
    """The signed-in user of `request` as the audit log's actor, with their client address; the role is the one
    the caller claims (the permission layer records the role it decides, workflows.policies.require)."""
    from .audit import Actor

    request = getattr(request, "_request", request)
    return Actor(user=request.user, role=role, client_ip=client_ip(request))
