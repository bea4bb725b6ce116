"""Login throttling (django-axes): 5 wrong passwords for one username from one address lock that pair out,
on the login page and on the API token endpoint; other addresses and other usernames are unaffected; a
successful login before the limit clears the failures; a locked-out pair is refused even with the right
password; the test client's login() and force_login() still work."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import UserFactory

PASSWORD = "secret-pass-123"  # noqa: S105 (tests.factories.UserFactory)
LIMIT = settings.AXES_FAILURE_LIMIT


@pytest.fixture
def officer(db):
    return UserFactory(username="login.officer")


def web_login(password, ip="10.0.0.1", username="login.officer"):
    return Client(REMOTE_ADDR=ip).post(reverse("login"), {"username": username, "password": password})


def api_login(password, ip="10.0.0.1", username="login.officer"):
    return APIClient(REMOTE_ADDR=ip).post(
        reverse("api_token"), {"username": username, "password": password}, format="json"
    )


def test_limit_is_five_per_username_and_address():
    assert LIMIT == 5
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_RESET_ON_SUCCESS is True


def test_web_login_locks_out_after_the_limit_with_a_vietnamese_page(officer):
    for _ in range(LIMIT - 1):
        assert web_login("wrong").status_code == 200  # the form again, with its error
    locked = web_login("wrong")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Tài khoản tạm thời bị khóa" in page and "30 phút" in page
    # the right password does not get through during the cool-off
    assert web_login(PASSWORD).status_code == 429
    # another address, or another username from this address, is not locked
    assert web_login(PASSWORD, ip="10.0.0.2").status_code == 302
    UserFactory(username="other.officer")
    assert web_login(PASSWORD, username="other.officer").status_code == 302


def test_token_endpoint_locks_out_too(officer):
    for _ in range(LIMIT - 1):
        assert api_login("wrong").status_code == 400
    locked = api_login("wrong")
    assert locked.status_code == 429
    assert locked.json()["code"] == "locked_out"
    assert "Tài khoản tạm thời bị khóa" in locked.json()["detail"]
    assert api_login(PASSWORD).status_code == 429
    assert api_login(PASSWORD, ip="10.0.0.2").status_code == 200


def test_web_and_api_failures_count_together(officer):
    for index in range(LIMIT - 1):
        (web_login if index % 2 else api_login)("wrong")
    assert api_login("wrong").status_code == 429
    assert web_login(PASSWORD).status_code == 429


def test_a_successful_login_before_the_limit_clears_the_failures(officer):
    for _ in range(LIMIT - 1):
        web_login("wrong")
    assert web_login(PASSWORD).status_code == 302
    for _ in range(LIMIT - 1):
        assert web_login("wrong").status_code == 200
    assert web_login(PASSWORD).status_code == 302


def test_behind_the_proxy_the_address_is_the_one_the_proxy_appended(officer, settings):
    settings.BEHIND_PROXY = True

    def attempt(forwarded, password="wrong"):
        return Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded).post(
            reverse("login"), {"username": "login.officer", "password": password}
        )

    # a client rotating a spoofed left-most entry is still counted at the address the proxy saw
    for index in range(LIMIT):
        last = attempt(f"1.2.3.{index}, 203.0.113.7")
    assert last.status_code == 429
    assert attempt("203.0.113.8", PASSWORD).status_code == 302


def test_test_client_logins_are_unaffected(officer, client):
    assert client.login(username="login.officer", password=PASSWORD)
    client.force_login(officer)
    assert client.get(reverse("home")).status_code == 200
