"""API tokens (workflows/tokens.py): stored hashed, expire, revoked by logout, logout-all and any password
change, refused for an inactive user; every refusal is 401 JSON in Vietnamese with a Token challenge; the
auditor read-only guard resolves keys the same way; the old plaintext DRF tokens are gone."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import UserFactory
from workflows import tokens
from workflows.models import ApiToken, Role

PASSWORD = "secret-pass-123"  # noqa: S105 (tests.factories.UserFactory)
NEW_PASSWORD = "another-long-pass-456"  # noqa: S105


@pytest.fixture
def officer(person):
    return person("token.officer", Role.BOARD_OFFICER)


def obtain(username="token.officer", password=PASSWORD, ip="10.1.0.1"):
    return APIClient(REMOTE_ADDR=ip).post(
        "/api/auth/token/", {"username": username, "password": password}, format="json"
    )


def with_key(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def assert_refused(response, code):
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == "Token"
    body = response.json()
    assert body["detail"]
    assert code in str(body), body
    return body["detail"]


def test_the_key_is_shown_once_and_only_its_hash_is_stored(officer):
    response = obtain()
    assert response.status_code == 200
    body = response.json()
    key = body["token"]
    assert key.startswith("tdkt_") and len(key) >= 40
    token = ApiToken.objects.get(user=officer)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {token.key_hash, token.prefix, token.name}
    assert key[5:13] == token.prefix == body["prefix"]
    lifetime = token.expires_at - token.created_at
    assert lifetime == timedelta(hours=8)
    assert with_key(key).get("/api/units/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_two_logins_give_two_keys(officer):
    first, second = obtain().json()["token"], obtain().json()["token"]
    assert first != second
    assert with_key(first).get("/api/units/").status_code == 200
    assert with_key(second).get("/api/units/").status_code == 200


def test_a_user_holds_at_most_ten_live_keys(officer):
    keys = [tokens.token_issue(user=officer)[1] for _ in range(tokens.MAX_ACTIVE_PER_USER + 2)]
    live = [key for key in keys if tokens.user_for_key(key)]
    assert live == keys[-tokens.MAX_ACTIVE_PER_USER :]


def test_an_expired_key_is_refused(officer, settings):
    key = obtain().json()["token"]
    ApiToken.objects.filter(user=officer).update(expires_at=timezone.now() - timedelta(seconds=1))
    message = assert_refused(with_key(key).get("/api/units/"), "token_expired")
    assert "hết hạn" in message


def test_the_lifetime_follows_the_setting(officer, settings):
    settings.API_TOKEN_HOURS = 0.5
    obtain()
    token = ApiToken.objects.get(user=officer)
    assert token.expires_at - token.created_at == timedelta(minutes=30)


def test_an_unknown_or_malformed_key_is_refused(db):
    assert "không hợp lệ" in assert_refused(with_key("tdkt_not-a-key").get("/api/units/"), "token_invalid")
    assert_refused(with_key("x" * 5000).get("/api/units/"), "token_invalid")
    assert_refused(with_key("a b").get("/api/units/"), "token_malformed")
    lower = APIClient()
    lower.credentials(HTTP_AUTHORIZATION="token tdkt_not-a-key")  # the keyword in any case, as DRF's
    assert_refused(lower.get("/api/units/"), "token_invalid")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token ")
    assert_refused(client.get("/api/units/"), "token_malformed")


def test_no_credentials_is_401_with_the_challenge(db):
    response = APIClient().get("/api/units/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert "Chưa đăng nhập" in response.json()["detail"]


def test_the_old_plaintext_tokens_are_gone(officer):
    assert not apps.is_installed("rest_framework.authtoken")
    from django.conf import settings

    assert (
        "rest_framework.authentication.TokenAuthentication"
        not in settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]
    )
    # a key stored as-is (as rest_framework.authtoken did) is not a hash of itself: refused
    ApiToken.objects.create(
        user=officer, key_hash="0" * 40, prefix="00000000", expires_at=timezone.now() + timedelta(hours=1)
    )
    assert_refused(with_key("0" * 40).get("/api/units/"), "token_invalid")


def test_logout_revokes_the_key_presented_only(officer):
    first, second = obtain().json()["token"], obtain().json()["token"]
    response = with_key(first).post("/api/auth/logout/")
    assert response.status_code == 204
    assert "thu hồi" in assert_refused(with_key(first).get("/api/units/"), "token_revoked")
    assert with_key(second).get("/api/units/").status_code == 200
    # logging out again with the dead key: 401, nothing else changes
    assert_refused(with_key(first).post("/api/auth/logout/"), "token_revoked")


def test_logout_without_a_key_is_400_json(officer):
    client = APIClient()
    client.force_authenticate(officer)
    response = client.post("/api/auth/logout/")
    assert response.status_code == 400 and response.json()["code"] == "no_token"


def test_logout_all_revokes_every_key_of_the_user_only(officer, person):
    other = person("token.other", Role.BOARD_OFFICER)
    mine = [obtain().json()["token"] for _ in range(3)]
    theirs = tokens.token_issue(user=other)[1]
    response = with_key(mine[0]).post("/api/auth/logout-all/")
    assert response.status_code == 200 and response.json() == {"revoked": 3}
    for key in mine:
        assert_refused(with_key(key).get("/api/units/"), "token_revoked")
    assert with_key(theirs).get("/api/units/").status_code == 200


def test_an_auditor_may_log_out(person):
    auditor = person("token.auditor", Role.AUDITOR)
    key = tokens.token_issue(user=auditor)[1]
    assert with_key(key).post("/api/units/", {"code": "x"}).status_code == 403  # read-only guard
    assert with_key(key).post("/api/auth/logout/").status_code == 204
    assert tokens.user_for_key(key) is None


def test_an_inactive_users_keys_stop_working(officer):
    key = obtain().json()["token"]
    get_user_model().objects.filter(pk=officer.pk).update(is_active=False)
    assert "khóa" in assert_refused(with_key(key).get("/api/units/"), "user_inactive")
    assert tokens.user_for_key(key) is None


# -- a new password revokes every key ---------------------------------------------------------------------


def _keys(user, count=2):
    return [tokens.token_issue(user=user)[1] for _ in range(count)]


def _all_refused(keys):
    return all(tokens.user_for_key(key) is None for key in keys)


def test_set_password_and_save_revokes(officer):
    keys = _keys(officer)
    officer.set_password(NEW_PASSWORD)
    officer.save()
    assert _all_refused(keys)
    # keys issued afterwards work
    assert tokens.user_for_key(_keys(officer, 1)[0]) == officer


def test_set_unusable_password_revokes(officer):
    keys = _keys(officer)
    officer.set_unusable_password()
    officer.save()
    assert _all_refused(keys)


def test_saving_other_fields_keeps_the_keys(officer):
    keys = _keys(officer)
    officer.first_name = "Lan"
    officer.save()
    officer.last_login = timezone.now()
    officer.save(update_fields=["last_login"])
    assert not _all_refused(keys) and all(tokens.user_for_key(key) for key in keys)


def test_a_web_login_that_upgrades_the_hash_keeps_the_keys(officer, settings):
    """check_password() re-hashes with the preferred hasher (after a Django upgrade, say): not a change."""
    from django.contrib.auth.hashers import make_password

    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    ]
    get_user_model().objects.filter(pk=officer.pk).update(
        password=make_password(PASSWORD, hasher="pbkdf2_sha1")
    )
    keys = _keys(officer)
    login = Client(REMOTE_ADDR="10.1.0.9").post(
        "/dang-nhap/", {"username": officer.username, "password": PASSWORD}
    )
    assert login.status_code == 302
    officer.refresh_from_db()
    assert officer.password.startswith("pbkdf2_sha256$")  # the hash was upgraded
    assert all(tokens.user_for_key(key) for key in keys)


def test_the_admin_password_change_of_another_user_revokes(officer, client):
    admin = UserFactory(username="token.admin", is_staff=True, is_superuser=True)
    keys = _keys(officer)
    client.force_login(admin)
    response = client.post(
        f"/admin/auth/user/{officer.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content[:500]
    assert _all_refused(keys)


def test_the_admin_own_password_change_page_revokes(db, client):
    admin = UserFactory(username="token.staff", is_staff=True, is_superuser=True)
    keys = _keys(admin)
    client.force_login(admin)
    response = client.post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content[:500]
    assert _all_refused(keys)


def test_manage_py_changepassword_revokes(officer, monkeypatch):
    keys = _keys(officer)
    monkeypatch.setattr(
        "django.contrib.auth.management.commands.changepassword.getpass.getpass",
        lambda prompt="": NEW_PASSWORD,
    )
    call_command("changepassword", officer.username)
    assert _all_refused(keys)
    officer.refresh_from_db()
    assert officer.check_password(NEW_PASSWORD)


def test_an_administrator_sees_prefixes_and_revokes_in_the_admin(officer, client):
    admin = UserFactory(username="token.superuser", is_staff=True, is_superuser=True)
    token, key = tokens.token_issue(user=officer, name="báo cáo tự động")
    client.force_login(admin)
    listing = client.get("/admin/workflows/apitoken/").content.decode()
    assert token.prefix in listing and key not in listing and token.key_hash not in listing
    response = client.post(
        "/admin/workflows/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )
    assert response.status_code == 200
    assert tokens.user_for_key(key) is None
    assert client.get(f"/admin/workflows/apitoken/{token.pk}/change/").status_code == 200  # view only
