"""Every URL pattern × every role of the matrix (tests/security/matrix.py): the status of a GET, what the API
lists show, and that writes by roles without authority change nothing (auditors: 403/405 on every write)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from workflows.models import AuditEvent

from .matrix import EXCLUDED_PREFIXES, ROLES, owner_note, rows
from .world import build_world

ROWS = rows()
FORMAT_SUFFIX = re.compile(r"\\\.\(\?P<format>|<drf_format_suffix:format>")


def url_patterns(patterns=None, prefix="", namespace=""):
    """(route, URL name) of every pattern of the project, walking included URLconfs."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern):
            yield route, f"{namespace}{entry.name}" if entry.name else None


def covered_patterns():
    for route, name in url_patterns():
        if route.startswith(tuple(EXCLUDED_PREFIXES)) or FORMAT_SUFFIX.search(route):
            continue
        yield route, name


def test_every_url_pattern_has_a_row_and_every_row_a_pattern():
    patterns = list(covered_patterns())
    unnamed = [route for route, name in patterns if name is None]
    assert not unnamed, f"URL patterns without a name cannot be given a matrix row: {unnamed}"
    names = {name for _route, name in patterns}
    missing = sorted(names - set(ROWS))
    assert not missing, f"URL patterns without a row in tests/security/matrix.py: {missing}"
    stale = sorted(set(ROWS) - names)
    assert not stale, f"matrix rows whose URL pattern no longer exists: {stale}"


@pytest.fixture
def world(db):
    return build_world()


def client_for(world, role) -> Client:
    client = Client()
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    return client


def url_of(world, name):
    key, _expected = ROWS[name]
    return reverse(name, kwargs=world.kwargs[key] if key else None)


@pytest.mark.parametrize("role", ROLES)
def test_get_matrix(world, role):
    client = client_for(world, role)
    wrong = []
    for name, (_key, expected) in ROWS.items():
        status = client.get(url_of(world, name)).status_code
        if status != expected[role]:
            wrong.append(
                f"{name} ({url_of(world, name)}): {status}, expected {expected[role]}{owner_note(name)}"
            )
    assert not wrong, f"{role}: {len(wrong)} of {len(ROWS)} URL patterns answer otherwise:\n" + "\n".join(
        wrong
    )


#: API lists and the object (matrix key) whose detail row says who may see it.
LISTS = {
    "dossier-list": ("dossier-detail", "dossier"),
    "dossier-line-list": ("dossier-line-detail", "line"),
    "nominee-list": ("nominee-detail", "nominee"),
    "session-list": ("session-detail", "session"),
    "agenda-item-list": ("agenda-item-detail", "item"),
    "initiative-list": ("initiative-detail", "initiative"),
    "review-list": ("review-detail", "review"),
    "membership-list": ("membership-detail", "membership"),
}


def _ids(payload) -> set:
    items = payload["results"] if isinstance(payload, dict) and "results" in payload else payload
    return {item["id"] for item in items}


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_api_lists_hold_exactly_what_the_role_may_open(world, role):
    client = client_for(world, role)
    wrong = []
    for list_name, (detail_name, key) in LISTS.items():
        pk = world.kwargs[key]["pk"]
        listed = pk in _ids(client.get(reverse(list_name), {"page_size": 1000}).json())
        may_open = ROWS[detail_name][1][role] == 200
        if listed != may_open:
            wrong.append(
                f"{list_name}: object {pk} listed={listed}, detail allowed={may_open}{owner_note(list_name)}"
            )
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


#: POSTs that write no business data (signing in or out, the language, the auditor's chain check, marking
#: one's own notifications read), left out of the write checks.
NOT_WRITES = {
    "login",
    "logout",
    "set_language",
    "api_token",
    "api_logout",
    "api_logout_all",
    "audit_verify",
    "audit-check-list",
    "audit-checkpoint-list",
    "notifications",
    "schema",
    "swagger",
}


def _write_each(world, role, method="post"):
    client = client_for(world, role)
    for name in ROWS:
        if name in NOT_WRITES:
            continue
        before = AuditEvent.objects.count()
        response = getattr(client, method)(url_of(world, name), {}, content_type="application/json")
        yield name, response.status_code, AuditEvent.objects.count() - before


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_auditors_write_nothing(world, method):
    wrong = [
        f"{name}: {status}, {events} audit events{owner_note(name)}"
        for name, status, events in _write_each(world, "auditor", method)
        if status not in (403, 405) or events
    ]
    assert not wrong, f"auditor {method.upper()}s not refused with 403/405:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    "role", ["anonymous", "unit_b", "member_out", "expired_membership", "expired_delegation"]
)
def test_roles_without_authority_change_nothing(world, role):
    wrong = [
        f"{name}: {status}, {events} audit events{owner_note(name)}"
        for name, status, events in _write_each(world, role)
        if events or status in (200, 201) and name.endswith(("-list", "-upload", "-agenda"))
    ]
    assert not wrong, f"{role}: writes that went through:\n" + "\n".join(wrong)


def test_get_matrix_after_the_innovation_results_are_published(world):
    """The rows of PUBLISHED_TABLE, once the world's round has published its results (states set directly:
    the council's path there is tested in tests/innovation); the API list then holds the initiative for every
    role that opens its detail."""
    from innovation.models import Initiative, Round

    from .matrix import published_rows

    Round.objects.filter(pk=world.objects["round"].pk).update(state="results_published")
    Initiative.objects.filter(pk=world.objects["initiative"].pk).update(state="recognised")
    published = published_rows()
    wrong = []
    for role in ROLES:
        client = client_for(world, role)
        for name, (key, expected) in published.items():
            url = reverse(name, kwargs=world.kwargs[key] if key else None)
            status = client.get(url).status_code
            if status != expected[role]:
                wrong.append(f"{role}: {name} ({url}): {status}, expected {expected[role]}")
        if role != "anonymous":
            listed = world.kwargs["initiative"]["pk"] in _ids(client.get(reverse("initiative-list")).json())
            if listed != (published["initiative-detail"][1][role] == 200):
                wrong.append(f"{role}: initiative-list listed={listed}")
    assert not wrong, "after publication:\n" + "\n".join(wrong)
