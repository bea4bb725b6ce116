"""The request id: taken from the proxy when valid, else made; answered in X-Request-ID, written on every log
record (a JSON field in production), carried into Celery tasks and into the audit events of the request."""

from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest
from django.conf import settings as django_settings

from project import celery as celery_module
from project.requestid import RequestIdFilter
from tests.dossiers.helpers import ready_dossier
from workflows import audit, requestid
from workflows.models import AuditEvent


def test_a_request_without_an_id_gets_a_new_one(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert requestid.valid(first) and requestid.valid(second) and first != second


def test_the_proxys_id_is_kept_when_valid(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="nginx-4f2a.91_b")["X-Request-ID"] == "nginx-4f2a.91_b"
    assert client.get("/healthz", HTTP_X_REQUEST_ID="a" * 64)["X-Request-ID"] == "a" * 64


@pytest.mark.parametrize("bad", ["a" * 65, "id with spaces", "x\r\nSet-Cookie: a=b", "<script>", "é"])
def test_an_invalid_id_is_replaced(client, bad):
    answered = client.get("/healthz", HTTP_X_REQUEST_ID=bad)["X-Request-ID"]
    assert answered != bad and requestid.valid(answered)


def test_the_id_is_gone_after_the_request(client):
    client.get("/healthz", HTTP_X_REQUEST_ID="done-1")
    assert requestid.get() is None


def _json_handler(stream):
    """The console handler of settings.LOGGING as production configures it (DJANGO_LOG_FORMAT=json)."""
    config = django_settings.LOGGING
    formatter_config = dict(config["formatters"]["json"])
    factory = formatter_config.pop("()")
    module, _, name = factory.rpartition(".")
    formatter = getattr(__import__(module, fromlist=[name]), name)(**formatter_config)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(RequestIdFilter())
    return handler


@pytest.mark.django_db
def test_log_records_of_a_request_carry_its_id_as_a_json_field(client):
    stream = io.StringIO()
    handler = _json_handler(stream)
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        response = client.get("/khong-co-trang-nay/", HTTP_X_REQUEST_ID="req-404-check")
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 404
    [line] = [json.loads(line) for line in stream.getvalue().splitlines() if line]
    assert line["request_id"] == "req-404-check"
    assert line["level"] == "WARNING" and line["logger"] == "django.request"
    assert "/khong-co-trang-nay/" in line["message"]


def test_records_outside_a_request_say_so():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    RequestIdFilter().filter(record)
    assert record.request_id == "-"


def test_production_logs_are_json_by_default():
    """settings.py: DJANGO_LOG_FORMAT defaults to json when debug is off."""
    import subprocess
    import sys

    from tests.production.test_deploy import ROOT, production_env

    code = (
        "from django.conf import settings; import django; django.setup();"
        "print(settings.LOG_FORMAT, settings.LOGGING['handlers']['console']['formatter'])"
    )
    env = production_env()
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.stdout.split() == ["json", "json"], result.stderr
    env["DJANGO_LOG_FORMAT"] = "text"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.stdout.split() == ["text", "text"], result.stderr


@pytest.mark.django_db
def test_the_audit_event_of_an_api_transition_carries_the_request_id_and_the_chain_verifies(client, cast):
    dossier = ready_dossier(cast)
    client.force_login(cast.head)
    response = client.post(
        f"/api/dossiers/{dossier.pk}/transitions/submit/",
        {},
        content_type="application/json",
        HTTP_X_REQUEST_ID="api-submit-7",
    )
    assert response.status_code == 200, response.content
    event = AuditEvent.objects.filter(verb="submit").latest("sequence")
    assert event.data["request_id"] == "api-submit-7"
    # events recorded outside a request (the fixtures' service calls) carry none
    assert "request_id" not in AuditEvent.objects.order_by("sequence").first().data
    results = list(audit.verify_chain())
    assert not [r for r in results if isinstance(r, audit.ChainProblem)]
    assert results[-1] == AuditEvent.objects.count()


def test_the_id_travels_with_a_task_from_publisher_to_worker():
    """before_task_publish writes it into the message headers; task_prerun restores it in the worker."""
    from celery import shared_task

    seen = []

    @shared_task(name="tests.production.record_request_id")
    def record_request_id():
        seen.append(requestid.get())

    headers: dict = {}
    token = requestid.set("from-the-web-9")
    try:
        celery_module.put_request_id(headers=headers)
    finally:
        requestid.reset(token)
    assert headers == {"request_id": "from-the-web-9"}
    # the worker: Celery hands the message headers to the task's request; prerun/postrun run around it
    record_request_id.apply(headers=headers)
    assert seen == ["from-the-web-9"]
    assert requestid.get() is None  # cleared after the task
    record_request_id.apply(headers={"request_id": "bad id with spaces"})
    assert seen[-1] is None


def test_without_a_current_id_nothing_is_added_to_the_headers():
    headers: dict = {}
    celery_module.put_request_id(headers=headers)
    assert headers == {}
