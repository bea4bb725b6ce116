"""/api/v1/ is the API; the unversioned /api/… paths are its deprecated aliases (project/api_versions.py,
docs/api-versioning.md): the same answer, with `Deprecation: true` and a Link to the /api/v1/ path; the schema
documents /api/v1/ only; the URL names stay the v1 ones."""

from __future__ import annotations

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.security.matrix import rows
from tests.security.world import build_world


@pytest.fixture
def world(db):
    return build_world()


def test_url_names_are_the_v1_paths():
    assert reverse("dossier-list") == "/api/v1/dossiers/"
    assert reverse("dossier-detail", args=[5]) == "/api/v1/dossiers/5/"
    assert reverse("api_token") == "/api/v1/auth/token/"
    assert reverse("api-unversioned:dossier-detail", args=[5]) == "/api/dossiers/5/"


def test_the_schema_documents_v1_only():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    assert paths and all(path.startswith("/api/v1/") for path in paths)
    assert "/api/v1/dossiers/{id}/transitions/" in paths and "/api/v1/auth/token/" in paths


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["board", "unit_a", "unit_b", "auditor"])
def test_every_alias_answers_exactly_as_its_v1_path(world, role):
    """Every API row of the permission matrix, as GET: the same status and body, plus the deprecation headers."""
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(world.users[role])
    checked = 0
    for name, (key, _expected) in rows().items():
        v1 = reverse(name, kwargs=world.kwargs[key] if key else None)
        if not v1.startswith("/api/v1/"):
            continue
        alias = "/api/" + v1[len("/api/v1/") :]
        current, old = client.get(v1), client.get(alias)
        assert old.status_code == current.status_code, (alias, old.status_code, current.status_code)
        if current.get("Content-Type", "").startswith("application/json"):
            assert _same_json(old, current), alias
        else:  # a file (xlsx, pdf, zip) carries its creation time: the same kind of file
            assert old.get("Content-Type") == current.get("Content-Type"), alias
            assert old.get("Content-Disposition") == current.get("Content-Disposition"), alias
        assert old["Deprecation"] == "true", alias
        assert old["Link"] == f'<{v1}>; rel="successor-version"', alias
        assert "Deprecation" not in current and "Link" not in current
        checked += 1
    assert checked > 50


def _same_json(old, current) -> bool:
    """The same body but for links the API builds from the request's own path (the aliases name /api/…)."""
    import json

    return json.loads(old.content.decode().replace("/api/v1/", "/api/")) == json.loads(
        current.content.decode().replace("/api/v1/", "/api/")
    )


@pytest.mark.django_db
def test_writes_and_the_token_work_through_an_alias(world):
    client = APIClient()
    response = client.post(
        "/api/auth/token/", {"username": "unit.officer", "password": "tdkt-demo-2023"}, format="json"
    )
    assert response.status_code in (200, 201), response.content[:300]
    assert response["Link"] == '</api/v1/auth/token/>; rel="successor-version"'
    unversioned_root = client.get("/api/")
    assert unversioned_root["Deprecation"] == "true"
