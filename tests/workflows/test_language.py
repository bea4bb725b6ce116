"""Vietnamese for everyone whatever the browser asks; English only for whoever picks it, remembered per user."""

import re

import pytest
from django.test import Client

from tests.security.test_csrf_forms import _argument_free_paths
from workflows.models import Role, UserPreference

pytestmark = pytest.mark.django_db

ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9", "REMOTE_ADDR": "10.9.0.1"}
PASSWORD = "secret-pass-123"  # tests/factories.py


def browser() -> Client:
    return Client(**ENGLISH_BROWSER)


def sign_in(client, user):
    response = client.post("/dang-nhap/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]


def test_an_english_browser_gets_vietnamese_pages(person):
    client = browser()
    login_page = client.get("/dang-nhap/")
    assert '<html lang="vi"' in login_page.content.decode() and login_page["Content-Language"] == "vi"
    assert "Đăng nhập hệ thống thi đua, khen thưởng" in login_page.content.decode()
    sign_in(client, person("officer.vi", Role.BOARD_OFFICER))
    home = client.get("/").content.decode()
    assert "Việc cần xử lý" in home and "My tasks" not in home


def test_english_chosen_once_follows_the_user_to_another_browser(person):
    chooser = person("officer.en", Role.BOARD_OFFICER)
    other = person("officer.other", Role.BOARD_OFFICER)
    client = browser()
    sign_in(client, chooser)
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    assert UserPreference.objects.get(user=chooser).language == "en"
    assert "My tasks" in client.get("/").content.decode()
    client.post("/dang-xuat/")

    fresh = Client(REMOTE_ADDR="10.9.0.2")  # another browser: no cookie, no Accept-Language
    sign_in(fresh, chooser)
    page = fresh.get("/").content.decode()
    assert "My tasks" in page and '<html lang="en"' in page

    # Someone else signing in on the first browser (which kept the English cookie) stays in Vietnamese.
    sign_in(client, other)
    page = client.get("/").content.decode()
    assert "Việc cần xử lý" in page and '<html lang="vi"' in page
    assert not UserPreference.objects.filter(user=other).exists()

    # And back to Vietnamese is remembered the same way.
    sign_in(fresh, chooser)
    fresh.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    assert UserPreference.objects.get(user=chooser).language == "vi"
    third = Client(REMOTE_ADDR="10.9.0.3")
    sign_in(third, chooser)
    assert "Việc cần xử lý" in third.get("/").content.decode()


def test_a_language_the_site_does_not_offer_is_ignored(person):
    user = person("officer.xx", Role.BOARD_OFFICER)
    client = browser()
    sign_in(client, user)
    for value in ("fr", "en-evil", "", "<script>"):
        client.post("/i18n/setlang/", {"language": value, "next": "/"})
    assert not UserPreference.objects.filter(user=user).exists()
    assert "Việc cần xử lý" in client.get("/").content.decode()


def test_someone_not_signed_in_may_switch_with_the_cookie():
    client = browser()
    client.post("/i18n/setlang/", {"language": "en", "next": "/dang-nhap/"})
    assert '<html lang="en"' in client.get("/dang-nhap/").content.decode()


def test_the_api_honours_an_explicit_accept_language(person):
    from rest_framework.test import APIClient

    assert APIClient().get("/api/dossiers/", HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "en"
    assert APIClient().get("/api/dossiers/")["Content-Language"] == "vi"
    client = APIClient(REMOTE_ADDR="10.9.0.4")
    sign_in(client, person("officer.api", Role.BOARD_OFFICER))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert client.get("/api/dossiers/")["Content-Language"] == "en"  # no header: the user's choice
    assert client.get("/api/dossiers/", HTTP_ACCEPT_LANGUAGE="vi")["Content-Language"] == "vi"


def test_an_api_key_client_is_answered_in_the_users_stored_language(person):
    """A key (Authorization: Token …) carries no session: the language is the one the user chose on the web,
    unless the client names one; the messages of a refusal come in it too."""
    from rest_framework.test import APIClient

    from workflows.tokens import token_issue

    english = person("officer.key.en", Role.BOARD_OFFICER)
    UserPreference.objects.create(user=english, language="en")
    _token, key = token_issue(user=english)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/dossiers/")["Content-Language"] == "en"
    refused = client.post("/api/dossiers/", {}, format="json")
    assert refused.status_code == 400 and refused["Content-Language"] == "en"
    assert "This field is required." in refused.content.decode()
    assert client.get("/api/dossiers/", HTTP_ACCEPT_LANGUAGE="vi")["Content-Language"] == "vi"
    _token, key = token_issue(user=person("officer.key.vi", Role.BOARD_OFFICER))
    assert APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/dossiers/")["Content-Language"] == "vi"


def _assert_vietnamese_pages(client, paths) -> list:
    rendered = []
    for path in paths:
        response = client.get(path)
        html = response.content.decode() if "html" in response.get("Content-Type", "") else ""
        if not re.search(r"<html\b", html):
            continue  # a redirect, a file, JSON
        rendered.append(path)
        assert '<html lang="vi"' in html, path
        assert response["Content-Language"] == "vi", path
    return rendered


def test_pages_without_arguments_render_in_vietnamese_for_an_english_browser(person, unit):
    """The walk of tests/security/test_csrf_forms.py, not signed in and signed in."""
    paths = [p for p in sorted(set(_argument_free_paths())) if not p.startswith("/api/")]  # API: see above
    paths.append("/khong-co-trang-nay/")  # the 404 page
    anonymous = browser()
    assert _assert_vietnamese_pages(anonymous, paths)
    client = browser()
    sign_in(client, person("lang.head", Role.BOARD_HEAD))
    assert len(_assert_vietnamese_pages(client, paths)) >= 10


@pytest.mark.parametrize("role", ["unit_a", "board", "member_in", "auditor", "reviewer"])
def test_every_page_of_the_permission_matrix_renders_in_vietnamese_for_an_english_browser(role):
    """Every URL pattern of tests/security/matrix.py that answers this role 200, on the objects of its world
    (dossier, line, session, agenda item, round, initiative, plan, activity, history...)."""
    from tests.security.test_permission_matrix import ROWS, url_of
    from tests.security.world import build_world

    world = build_world()
    client = browser()
    client.force_login(world.users[role])
    paths = [
        url_of(world, name)
        for name, (_key, expected) in ROWS.items()
        if expected[role] == 200 and not url_of(world, name).startswith("/api/")
    ]
    assert len(_assert_vietnamese_pages(client, paths)) >= 10
