"""Content-Security-Policy: the header is on every page, and no template carries an inline script or event
handler (the only scripts are static files, static/js/tdkt.js)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

TEMPLATES = Path(settings.BASE_DIR) / "templates"
#: PDF layouts rendered by WeasyPrint, never served to a browser.
PDF_TEMPLATES = {"dossiers/decision_draft.html"}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def served_templates():
    for path in sorted(TEMPLATES.rglob("*.html")):
        relative = path.relative_to(TEMPLATES).as_posix()
        if "/pdf/" in relative or relative in PDF_TEMPLATES:
            continue
        yield relative, path.read_text(encoding="utf-8")


def test_templates_were_found():
    assert len(list(served_templates())) > 30


@pytest.mark.parametrize("relative,text", list(served_templates()), ids=lambda value: str(value)[:60])
def test_no_inline_script_or_event_handler(relative, text):
    assert not INLINE_SCRIPT.search(text), f"{relative}: inline <script> (move it to static/js/tdkt.js)"
    handler = EVENT_HANDLER.search(text)
    assert not handler, f"{relative}: inline event handler {handler.group(0)!r}"
    assert not JAVASCRIPT_URL.search(text), f"{relative}: javascript: URL"


def _policy(response) -> dict:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["login", "home", "dossiers:list", "councils:session_list", "api-root"])
def test_pages_carry_a_strict_policy(client, person, name):
    from workflows.models import Role

    client.force_login(person("csp.board", Role.BOARD_OFFICER))
    response = client.get(reverse(name))
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]


@pytest.mark.django_db
def test_the_lockout_and_error_pages_carry_it_too(client):
    assert "Content-Security-Policy" in client.get("/khong-co-trang-nay/").headers


@pytest.mark.django_db
def test_swagger_ui_has_no_inline_script_and_no_external_host(client, person):
    from workflows.models import Role

    client.force_login(person("csp.officer", Role.BOARD_OFFICER))
    response = client.get(reverse("swagger"))
    assert response.status_code == 200
    assert not INLINE_SCRIPT.search(response.content.decode())
    policy = _policy(response)
    assert policy["script-src"] == ["'self'"]
    # its assets are drf-spectacular-sidecar's static files (tests/security/test_api_docs.py): no CDN
    assert not any("://" in source for sources in policy.values() for source in sources), policy


def test_the_static_script_exists_and_is_referenced():
    base = (TEMPLATES / "base.html").read_text(encoding="utf-8")
    assert "{% static 'js/tdkt.js' %}" in base
    assert (Path(settings.BASE_DIR) / "static" / "js" / "tdkt.js").exists()
