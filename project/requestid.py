"""Request ids: one per web request, in the response, in every log record and in the audit events it causes.

RequestIdMiddleware takes the proxy's X-Request-ID when it is valid (at most 64 characters of [A-Za-z0-9._-],
workflows/requestid.py), else makes a new one, keeps it in a context variable for the time of the request and
answers it in the X-Request-ID header. RequestIdFilter puts it on every log record as `request_id` (the JSON
formatter then writes it as a field); project/celery.py carries it into the tasks the request queues.
"""

from __future__ import annotations

import logging

from django.core.signals import request_finished
from django.dispatch import receiver

from workflows import requestid

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"


class RequestIdMiddleware:
    """First in MIDDLEWARE, so that every answer (a redirect, a 413, a lockout) carries the id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = requestid.accept(request.META.get(META_KEY))
        request.request_id = request_id
        # Kept until the response is closed (request_finished below), not only while the middleware runs:
        # Django logs a 4xx answer ("Not Found: …") after the whole middleware chain has returned.
        requestid.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


@receiver(request_finished, dispatch_uid="project.requestid.clear")
def clear_request_id(**kwargs) -> None:
    requestid.set(None)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` ("-" outside a request or task) to each record; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = requestid.get() or "-"
        return True
