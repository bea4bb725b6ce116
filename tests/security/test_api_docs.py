"""/api/schema/ and /api/docs/: private in production (DEBUG off: a signed-in user or an API key), open in
development; Swagger UI's assets are local static files (drf-spectacular-sidecar), its init script a separate
file, and the page's CSP names no other host."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from rest_framework.test import APIClient

from workflows.models import Role

pytestmark = pytest.mark.django_db

ASSET = re.compile(r"""<(?:script|link)[^>]*(?:src|href)="([^"]+)\"""", re.IGNORECASE)


def _policy(response) -> dict:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.fixture
def reader(person):
    return person("docs.reader", Role.AUDITOR)


def test_in_production_the_schema_needs_a_signed_in_user(settings):
    settings.DEBUG = False
    response = APIClient().get("/api/schema/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert b"detail" in response.content and b"/api/units/" not in response.content
    as_json = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert as_json.status_code == 401 and as_json.json()["code"] == "not_authenticated"


def test_in_production_the_docs_page_sends_a_browser_to_the_login_page(settings):
    settings.DEBUG = False
    response = Client().get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/?next=/api/docs/")
    script = Client().get("/api/docs/", {"script": ""})
    assert script.status_code == 302


def test_in_production_a_bad_key_gets_401_on_the_docs_too(settings):
    settings.DEBUG = False
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token tdkt_not-a-key")
    assert client.get("/api/docs/").status_code == 401
    assert client.get("/api/schema/").status_code == 401


def test_a_signed_in_user_or_a_key_reads_them(settings, reader):
    from workflows import tokens

    settings.DEBUG = False
    client = Client()
    client.force_login(reader)
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
    keyed = APIClient()
    keyed.credentials(HTTP_AUTHORIZATION=f"Token {tokens.token_issue(user=reader)[1]}")
    schema = keyed.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/auth/logout/" in schema.content


def test_in_development_they_stay_open(settings):
    settings.DEBUG = True
    assert APIClient().get("/api/schema/").status_code == 200
    assert Client().get("/api/docs/").status_code == 200


def test_swagger_ui_assets_are_local_static_files(settings, reader):
    client = Client()
    client.force_login(reader)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assets = ASSET.findall(page)
    assert len(assets) >= 4, assets  # favicon, css, bundle, preset, init script
    for url in assets:
        assert url.startswith("/"), f"{url}: not served by this site"
        assert not url.startswith("//")
    static = [url for url in assets if url.startswith("/" + settings.STATIC_URL.strip("/") + "/")]
    names = {url.rsplit("/", 1)[-1] for url in static}
    assert {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"} <= names
    for url in static:
        relative = url.split(settings.STATIC_URL.strip("/") + "/", 1)[1]
        assert finders.find(relative), f"{relative} is not among the static files"
    # the init script is a separate file (no inline script), served by the split view
    init = next(url for url in assets if "script=" in url)
    script = client.get(init.replace("&amp;", "&"))
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
    assert '"validatorUrl": null' in script.content.decode()  # no badge fetched from validator.swagger.io
    assert script["Content-Type"].startswith("application/javascript")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page, re.IGNORECASE)


def test_the_docs_page_policy_names_no_other_host(reader):
    client = Client()
    client.force_login(reader)
    policy = _policy(client.get("/api/docs/"))
    for directive, sources in policy.items():
        for source in sources:
            assert "://" not in source and "jsdelivr" not in source, f"{directive}: {source}"
    assert policy["script-src"] == ["'self'"]


def test_no_cdn_is_configured():
    from django.conf import settings

    spectacular = settings.SPECTACULAR_SETTINGS
    assert spectacular["SWAGGER_UI_DIST"] == "SIDECAR" and spectacular["REDOC_DIST"] == "SIDECAR"
    assert spectacular["SWAGGER_UI_FAVICON_HREF"] == "SIDECAR"
    assert "drf_spectacular_sidecar" in settings.INSTALLED_APPS


def test_neither_the_docs_page_nor_its_init_script_names_another_host(reader):
    """Swagger UI works offline: no address on another host in the page or in the script that starts it (the
    schema, the OAuth redirect and the assets are all paths on this site). The browser check with every other
    host unreachable: tests/browser/test_phone_view.py::test_swagger_ui_renders_with_every_other_host_unreachable."""
    client = Client()
    client.force_login(reader)
    page = client.get("/api/docs/").content.decode()
    init = next(url for url in ASSET.findall(page) if "script=" in url).replace("&amp;", "&")
    script = client.get(init).content.decode()
    other_host = re.compile(r"""\w+://|["'(=]\s*//\w""")
    for text in (page, script):
        assert not other_host.search(text), text[max(0, other_host.search(text).start() - 60) :][:120]
    assert 'url: "/api/schema/"' in script  # the schema from this site, by its path
