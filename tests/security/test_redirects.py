"""`?next=` stays on the site: the transition page neither renders nor follows an off-site, scheme-relative,
backslash or `javascript:` target (it falls back to the object's page); a same-site path still works. The
login, logout and language-switch views (Django's own) refuse them too."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.testapp.models import Widget
from workflows.models import Role

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.testapp.urls")]

HOSTILE = [
    "https://evil.example/",
    "//evil.example",
    "///evil.example",
    "javascript:alert(1)",
    " javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "\\\\evil.example",
    "\\/evil.example",
    "/\\evil.example",
    "http:evil.example",
    "data:text/html,<script>alert(1)</script>",
    "https://testserver.evil.example/",
]


@pytest.fixture
def widget(unit):
    return Widget.objects.create(title="Hồ sơ đề nghị khen thưởng", unit=unit)


@pytest.fixture
def head_client(unit, person):
    client = Client()
    client.force_login(person("redirect.head", Role.UNIT_HEAD, unit=unit))
    return client


def _targets(response) -> list[str]:
    """What the page links to and what its forms send as `next`."""
    page = response.content.decode()
    return re.findall(r'href="([^"]*)"', page) + re.findall(r'name="next" value="([^"]*)"', page)


@pytest.mark.parametrize("target", HOSTILE, ids=repr)
def test_a_hostile_next_is_not_rendered(head_client, widget, target):
    response = head_client.get(f"/thao-tac/testapp/widget/{widget.pk}/submit/", {"next": target})
    assert response.status_code == 200
    for link in _targets(response):
        assert "evil.example" not in link and not link.strip().lower().startswith(("javascript:", "data:")), (
            link
        )
    page = response.content.decode()
    assert f'href="{widget.get_absolute_url()}"' in page
    assert f'name="next" value="{widget.get_absolute_url()}"' in page


@pytest.mark.parametrize("target", HOSTILE, ids=repr)
@pytest.mark.parametrize("where", ["query", "form"])
def test_a_hostile_next_is_not_followed(head_client, widget, target, where):
    address = f"/thao-tac/testapp/widget/{widget.pk}/submit/"
    if where == "query":
        response = head_client.post(f"{address}?next={target}", {})
    else:
        response = head_client.post(address, {"next": target})
    assert response.status_code == 302
    assert response["Location"] == widget.get_absolute_url()
    widget.refresh_from_db()
    assert widget.state == "submitted"


def test_a_same_site_next_is_kept(head_client, widget):
    address = f"/thao-tac/testapp/widget/{widget.pk}/submit/"
    page = head_client.get(address, {"next": "/ho-so/?state=draft"}).content.decode()
    assert 'href="/ho-so/?state=draft"' in page
    response = head_client.post(address, {"next": "/ho-so/?state=draft"})
    assert response["Location"] == "/ho-so/?state=draft"


def test_an_absolute_url_to_this_host_is_kept_but_not_http_from_https(head_client, widget):
    address = f"/thao-tac/testapp/widget/{widget.pk}/submit/"
    page = head_client.get(address, {"next": "http://testserver/ho-so/"}, secure=True).content.decode()
    assert "http://testserver/ho-so/" not in page  # HTTPS page: no downgrade to http
    page = head_client.get(address, {"next": "https://testserver/ho-so/"}, secure=True).content.decode()
    assert 'href="https://testserver/ho-so/"' in page


@pytest.mark.parametrize("target", HOSTILE, ids=repr)
def test_login_logout_and_language_refuse_it_too(person, target):
    user = person("redirect.user", Role.BOARD_OFFICER)
    login = Client(REMOTE_ADDR="10.7.0.1").post(
        "/dang-nhap/", {"username": user.username, "password": "secret-pass-123", "next": target}
    )
    assert login.status_code == 302 and "evil" not in login["Location"] and ":" not in login["Location"]
    client = Client()
    client.force_login(user)
    language = client.post("/i18n/setlang/", {"language": "en", "next": target})
    assert language.status_code == 302 and "evil" not in language["Location"]
    logout = client.post("/dang-xuat/", {"next": target})
    assert logout.status_code == 302 and "evil" not in logout["Location"]
