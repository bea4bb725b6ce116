"""schemathesis against the project's own OpenAPI schema: every operation, as several roles, no 500s.

The schema is generated in-process by drf-spectacular (the one /api/schema/ serves); schemathesis draws
requests from it (path, query and body parameters, valid and invalid), and each goes through the real
middleware and views with a token of the role. Bounded: a fixed number of examples per operation, derandomised,
so the run is reproducible and takes well under a minute.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from rest_framework.test import APIClient

from workflows.tokens import token_issue

from .world import build_world

EXAMPLES_PER_OPERATION = 6
ROLES = ("board", "unit_a", "auditor")


@pytest.fixture(scope="module")
def schema():
    raw = json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))
    return schemathesis.openapi.from_dict(raw)


def _send(client: APIClient, case) -> object:
    path = case.formatted_path
    method = case.method.lower()
    kwargs = {}
    if case.query:
        if method == "get":
            kwargs["data"] = case.query
        else:
            path += "?" + "&".join(f"{key}={value}" for key, value in case.query.items())
    body = case.body
    if method != "get" and body is not None and type(body).__name__ != "NotSet":
        media = case.media_type or "application/json"
        if "multipart" in media and isinstance(body, dict):
            # a form post: nested values travel as JSON text, empty ones are left out (as a browser would)
            kwargs["data"] = {
                key: json.dumps(value) if isinstance(value, dict | list) else value
                for key, value in body.items()
                if value is not None and key
            }
            kwargs["format"] = "multipart"
        else:
            kwargs["data"], kwargs["content_type"] = json.dumps(body, default=str), "application/json"
    return getattr(client, method)(path, **kwargs)


def _fuzz(operation, client, failures: list, seen: dict):
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case):
        seen["cases"] += 1
        response = _send(client, case)
        label = f"{operation.label} → {response.status_code}"
        if response.status_code >= 500:
            failures.append(f"{label}: {case.formatted_path} {case.query} {case.body!r}"[:500])
        elif response.status_code >= 400 and response.status_code != 405:
            content_type = response.get("Content-Type", "")
            if "json" not in content_type:
                failures.append(f"{label}: not a structured error ({content_type})")

    return run


@pytest.mark.parametrize("role", ROLES)
def test_no_operation_answers_500_and_every_error_is_structured(db, schema, role):
    world = build_world()
    user = world.users[role]
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=user)[1]}")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40, "the schema lost its operations"
    failures: list[str] = []
    seen = {"cases": 0}

    for operation in operations:
        target = client
        if operation.path.startswith("/api/v1/auth/logout"):
            # logging out revokes the key: fuzz it with a key of its own, so the others keep theirs
            target = APIClient(raise_request_exception=False)
            target.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=user)[1]}")
        _fuzz(operation, target, failures, seen)()
    assert not failures, "\n".join(failures[:20])
    assert seen["cases"] >= len(operations)


def test_the_fuzzer_would_notice_a_500(db, schema, monkeypatch):
    """The harness itself: an operation made to crash is reported."""
    from workflows import api

    world = build_world()
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(world.users["board"])

    def boom(*args, **kwargs):
        raise RuntimeError("crash")

    monkeypatch.setattr(api.UnitViewSet, "list", boom)
    operation = next(
        result.ok()
        for result in schema.get_all_operations()
        if result.ok().path == "/api/v1/units/" and result.ok().method.upper() == "GET"
    )
    failures: list[str] = []
    seen = {"cases": 0}
    _fuzz(operation, client, failures, seen)()
    assert seen["cases"] >= 1
    assert len(failures) == seen["cases"] and all("→ 500" in failure for failure in failures)
