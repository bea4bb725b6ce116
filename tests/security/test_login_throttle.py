"""Login throttling (django-axes): 5 wrong passwords for one username from one address lock that pair out,
on the login page and on the API token endpoint; other addresses and other usernames are unaffected; a
successful login before the limit clears the failures; a locked-out pair is refused even with the right
password; the test client's login() and force_login() still work. Password spraying (one or two tries for
each of many usernames from one address) locks the address out at 20 failures (LOGIN_IP_FAILURE_LIMIT)."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import UserFactory

PASSWORD = "secret-pass-123"  # noqa: S105 (tests.factories.UserFactory)
LIMIT = settings.AXES_FAILURE_LIMIT
IP_LIMIT = getattr(settings, "LOGIN_IP_FAILURE_LIMIT", 20)


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


def test_the_address_wide_limit_is_twenty():
    assert IP_LIMIT == 20 > LIMIT
    assert settings.AXES_HANDLER == "project.security.LoginThrottleHandler"


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


# -- the address-wide limit (password spraying) ------------------------------------------------------------


@pytest.fixture
def many_users(db):
    return [UserFactory(username=f"spray.{index:02d}") for index in range(IP_LIMIT + 5)]


def test_spraying_one_password_over_many_usernames_locks_the_address_out(many_users):
    statuses = [
        web_login("Summer2026!", ip="10.9.0.1", username=user.username).status_code for user in many_users
    ]
    # every try before the twentieth failure is an ordinary wrong password; from the twentieth on: locked
    assert statuses[: IP_LIMIT - 1] == [200] * (IP_LIMIT - 1)
    assert set(statuses[IP_LIMIT - 1 :]) == {429}
    page = web_login("Summer2026!", ip="10.9.0.1", username=many_users[0].username).content.decode()
    assert "Địa chỉ mạng này tạm thời bị chặn" in page
    # the right password of a user never tried is refused from that address too, during the cool-off
    untouched = UserFactory(username="spray.untouched")
    assert web_login(PASSWORD, ip="10.9.0.1", username=untouched.username).status_code == 429
    # another address is not affected
    assert web_login(PASSWORD, ip="10.9.0.2", username=untouched.username).status_code == 302


def test_the_token_endpoint_counts_towards_the_address_and_answers_json(many_users):
    for index, user in enumerate(many_users[: IP_LIMIT - 1]):
        (web_login if index % 2 else api_login)("wrong", ip="10.9.1.1", username=user.username)
    locked = api_login("wrong", ip="10.9.1.1", username=many_users[IP_LIMIT].username)
    assert locked.status_code == 429 and locked.json()["code"] == "locked_out"
    assert "Địa chỉ mạng này" in locked.json()["detail"]
    assert api_login(PASSWORD, ip="10.9.1.1", username=many_users[-1].username).status_code == 429


def test_below_the_address_limit_the_per_username_limit_still_holds(many_users):
    # four tries on each of four usernames (16 < 20): none is locked, the fifth on one of them is
    for user in many_users[:4]:
        for _ in range(LIMIT - 1):
            assert web_login("wrong", ip="10.9.2.1", username=user.username).status_code == 200
    assert web_login("wrong", ip="10.9.2.1", username=many_users[0].username).status_code == 429
    assert (
        "Tài khoản tạm thời bị khóa"
        in web_login(PASSWORD, ip="10.9.2.1", username=many_users[0].username).content.decode()
    )
    assert web_login(PASSWORD, ip="10.9.2.1", username=many_users[1].username).status_code == 302


def test_signing_in_with_an_own_account_does_not_clear_the_address_count(many_users):
    attacker = UserFactory(username="spray.attacker")
    for user in many_users[: IP_LIMIT - 2]:
        web_login("wrong", ip="10.9.3.1", username=user.username)
    assert web_login(PASSWORD, ip="10.9.3.1", username=attacker.username).status_code == 302
    web_login("wrong", ip="10.9.3.1", username=many_users[IP_LIMIT - 2].username)
    assert web_login("wrong", ip="10.9.3.1", username=many_users[IP_LIMIT - 1].username).status_code == 429


def test_the_address_limit_follows_the_setting(many_users, settings):
    settings.LOGIN_IP_FAILURE_LIMIT = 3
    for user in many_users[:2]:
        assert web_login("wrong", ip="10.9.4.1", username=user.username).status_code == 200
    assert web_login("wrong", ip="10.9.4.1", username=many_users[2].username).status_code == 429
