"""The OpenAPI schema says what the server does: schemathesis' own response-conformance checks over every
operation, as several roles (issue 18, "Schema = behaviour").

schemathesis draws a few requests for each operation of the in-process drf-spectacular schema (the one
/api/schema/ serves): path, query and body parameters, valid and invalid. Each role (the Board's officer, a unit
officer, the auditor, a council member who sits on the session, an initiative's reviewer) sends every drawn
request through the real WSGI application with schemathesis' WSGI transport (middleware, token authentication,
views); an operation with path parameters gets them with the path parameters of the objects of
tests/security/world.py (the permission matrix's objects), so that successes, refusals and wrong states are
answered too, and once with drawn ones (mostly objects that do not exist). Every answer goes through schemathesis' `status_code_conformance`,
`content_type_conformance` and `response_schema_conformance`: its status is documented, its media type is
documented for that status, its body matches the documented schema.

Bounded and reproducible: a fixed number of examples per operation, derandomised, drawn once for all roles.
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import NoReverseMatch, reverse
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.response import Response
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from workflows.tokens import token_issue

from .matrix import rows
from .world import build_world

#: requests drawn per operation; each role sends them with the drawn and with the world's path parameters
EXAMPLES_PER_OPERATION = 3
ROLES = ("board", "unit_a", "auditor", "member_in", "reviewer")
CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]


def _raw_schema() -> dict:
    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))


@pytest.fixture(scope="module")
def raw() -> dict:
    return _raw_schema()


def _draw(operation) -> list:
    cases = []

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def collect(case):
        cases.append((case, dict(case.path_parameters or {})))

    collect()
    return cases


@pytest.fixture(scope="module")
def drawn() -> list[tuple[object, list]]:
    """[(operation, [(drawn request, its drawn path parameters)])] for every operation of the schema, drawn once
    for all roles (each role sends them with the drawn path parameters, then with the world's)."""
    operations = [
        result.ok() for result in schemathesis.openapi.from_dict(_raw_schema()).get_all_operations()
    ]
    return [(operation, _draw(operation)) for operation in operations]


class InProcessApp:
    """Django's WSGI application as its test client runs it: the request does not close the test's database
    connection (its transaction holds the world), which `close_old_connections` would do on PostgreSQL."""

    def __init__(self):
        self.handler = WSGIHandler()

    def __call__(self, environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = self.handler(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                response.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


def _known_parameters(world) -> dict[str, dict]:
    """{path of a matrix row under /api/v1/: the path parameters of the world's object it names}."""
    paths = {}
    for name, (key, _statuses) in rows().items():
        kwargs = world.kwargs.get(key) if key else {}
        if kwargs is None:
            continue
        try:
            path = reverse(name, kwargs=kwargs or None)
        except NoReverseMatch:  # a web page's name
            continue
        if path.startswith("/api/v1/"):
            paths[path] = {("id" if k == "pk" else k): v for k, v in kwargs.items()}
    return paths


def _parameters_for(operation, known: dict[str, dict]) -> dict | None:
    pattern = re.compile("^" + re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(operation.path)) + "$")
    return next((parameters for path, parameters in known.items() if pattern.match(path)), None)


def _send(operation, cases, user, app, failures: list, seen: Counter, path_parameters=None) -> None:
    # a key per operation: logging out (one key or all of them) must not end the other operations' requests
    headers = {"Authorization": f"Token {token_issue(user=user)[1]}"}
    for case, drawn_path in cases:
        case.path_parameters = {**drawn_path, **(path_parameters or {})}
        response = case.call(app=app, headers=headers)
        seen[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except (Failure, FailureGroup) as error:
            for failure in error.exceptions if isinstance(error, FailureGroup) else [error]:
                failures.append(
                    f"{operation.label} → {response.status_code}: {failure.title}: {failure.message}"
                )


def _run(drawn, user, known) -> tuple[list[str], Counter]:
    app = InProcessApp()
    failures: list[str] = []
    seen: Counter = Counter()
    for operation, cases in drawn:
        parameters = _parameters_for(operation, known)
        if parameters:  # one request for objects that do not exist (404 whatever the role), then the world's
            _send(operation, cases[:1], user, app, failures, seen)
            _send(operation, cases, user, app, failures, seen, parameters)
        else:
            _send(operation, cases, user, app, failures, seen)
    return list(dict.fromkeys(failures)), seen


@pytest.mark.parametrize("role", ROLES)
def test_every_answer_conforms_to_the_schema(db, drawn, role):
    world = build_world()
    assert len(drawn) >= 100, "the schema lost its operations"
    failures, seen = _run(drawn, world.users[role], _known_parameters(world))
    assert not failures, f"{len(failures)} nonconforming answers:\n" + "\n".join(failures[:40])
    # the world's objects are reached: a good share of the answers are successes, not only refusals
    assert seen[200] + seen[201] + seen[204] > len(drawn) // 2, seen


def test_every_operation_is_reached_with_the_worlds_objects(db, drawn):
    """The known-parameters pass covers every operation with path parameters (a new one needs its matrix row)."""
    known = _known_parameters(build_world())
    missing = [op.label for op, _cases in drawn if "{" in op.path and _parameters_for(op, known) is None]
    assert not missing, missing


def test_the_checks_notice_an_undocumented_status_media_type_or_body(db, drawn, monkeypatch):
    """The harness itself: answers the schema does not describe are reported, each by its check."""
    from workflows import api

    world = build_world()
    units = [(op, cases) for op, cases in drawn if op.path == "/api/v1/units/" and op.method.upper() == "GET"]
    answers = iter(
        [
            Response({"unexpected": True}),  # not a page of units
            Response({"count": 0, "next": None, "previous": None, "results": []}, status=418),
            Response("plain", content_type="text/plain"),
        ]
    )
    monkeypatch.setattr(api.UnitViewSet, "list", lambda self, request, *a, **k: next(answers))
    failures, _seen = _run([(units[0][0], units[0][1][:3])], world.users["board"], {})
    assert len(failures) == 3, failures
    assert "violates schema" in failures[0]
    assert "418" in failures[1] and "Undocumented status code" in failures[1]
    assert "text/plain" in failures[2] and "Undocumented Content-Type" in failures[2]


def _operations(raw):
    for path, item in raw["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method.upper(), path, operation


def test_every_error_is_the_one_problem_shape_where_it_can_be_sent(raw):
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for method, path, operation in _operations(raw):
        responses = operation["responses"]
        for code, response in responses.items():
            if code.startswith("4"):
                assert response["content"] == problem, (method, path, code)
        expected = set()
        if path != "/api/v1/auth/token/":
            expected |= {"401", "403"}
        if "{" in path:
            expected.add("404")
        if method != "GET":
            expected |= {"400", "409", "413"}
        assert expected <= set(responses), (method, path, sorted(responses))
    assert {"400", "429"} <= set(raw["paths"]["/api/v1/auth/token/"]["post"]["responses"])


def test_only_the_lists_are_documented_as_pages(raw):
    for method, path, operation in _operations(raw):
        content = operation["responses"].get("200", {}).get("content", {}).get("application/json", {})
        paged = content.get("schema", {}).get("$ref", "").startswith("#/components/schemas/Paginated")
        declared = path == "/api/v1/unit-rounds/{id}/lines/"  # @action(pagination_class=LinesPage)
        listing = method == "GET" and re.fullmatch(r"/api/v1/[a-z-]+/", path) is not None
        assert paged == (listing or declared), (method, path)
    history = raw["paths"]["/api/v1/dossiers/{id}/history/"]["get"]
    assert history["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"
    assert "page" not in {parameter["name"] for parameter in history.get("parameters", [])}


def test_downloads_are_binary_with_their_media_types(raw):
    downloads = {
        "/api/v1/dossiers/{id}/documents/{document_id}/": "application/pdf",
        "/api/v1/dossiers/{id}/forwarding-package/": "application/zip",
        "/api/v1/initiatives/{id}/certificates/{author_id}/": "application/pdf",
        "/api/v1/rounds/{id}/results-xlsx/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    for path, media_type in downloads.items():
        content = raw["paths"][path]["get"]["responses"]["200"]["content"]
        assert content == {media_type: {"schema": {"type": "string", "format": "binary"}}}, path
