"""API tokens: issue, look up, revoke; DRF authentication; revocation when a password changes.

A key is 43 random URL-safe characters behind the fixed `tdkt_` marker; the database keeps only its SHA-256
digest (a key carries 256 random bits, so a fast digest is enough: there is nothing to guess) and the first
8 characters as a non-secret prefix for display. A key expires API_TOKEN_HOURS after it was issued
(DJANGO_API_TOKEN_HOURS), POST /api/auth/logout/ revokes the key presented, /api/auth/logout-all/ all of the
user's keys, and setting a new password (the password-change page, the admin, `manage.py changepassword`, a
reset) revokes all of them. A deactivated user's keys are refused while the account is inactive.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from .models import ApiToken

KEYWORD = "Token"
KEY_MARKER = "tdkt_"
#: A key longer than this is not one of ours; refuse it before hashing whatever a client sent.
MAX_KEY_LENGTH = 100
#: last_used_at is written at most this often per token (not on every request).
LAST_USED_RESOLUTION = timedelta(minutes=1)
#: Keys one user may hold at once; issuing one more revokes the oldest.
MAX_ACTIVE_PER_USER = 10


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def token_lifetime() -> timedelta:
    return timedelta(hours=float(getattr(settings, "API_TOKEN_HOURS", 8)))


@transaction.atomic
def token_issue(*, user, name: str = "") -> tuple[ApiToken, str]:
    """A new key for `user`: returns the row and the key itself (shown once, never stored)."""
    now = timezone.now()
    # the user's dead keys are of no use any more: keep the table small
    ApiToken.objects.filter(user=user).filter(Q(expires_at__lte=now) | Q(revoked_at__isnull=False)).delete()
    active = list(ApiToken.objects.filter(user=user).order_by("-created_at").values_list("pk", flat=True))
    if len(active) >= MAX_ACTIVE_PER_USER:
        ApiToken.objects.filter(pk__in=active[MAX_ACTIVE_PER_USER - 1 :]).update(revoked_at=now)
    key = KEY_MARKER + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        key_hash=digest(key),
        prefix=key[len(KEY_MARKER) : len(KEY_MARKER) + 8],
        name=name[:100],
        created_at=now,
        expires_at=now + token_lifetime(),
    )
    return token, key


def token_find(key: str) -> ApiToken | None:
    """The row of `key` whatever its state (expired, revoked), or None for a key that was never issued."""
    key = (key or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        return None
    return ApiToken.objects.select_related("user").filter(key_hash=digest(key)).first()


def user_for_key(key: str):
    """The active user of a usable key, else None (the same rule the API's authentication applies)."""
    token = token_find(key)
    if token is None or not token.is_usable() or not token.user.is_active:
        return None
    return token.user


def key_from_header(request) -> str | None:
    """The key of an `Authorization: Token <key>` header, or None without such a header."""
    keyword, _sep, key = get_authorization_header(request).decode("latin-1").partition(" ")
    if keyword.lower() != KEYWORD.lower():
        return None
    return key.strip()


def token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def tokens_revoke_all(*, user) -> int:
    """Revoke every key of `user` still alive; returns how many."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()).update(
        revoked_at=timezone.now()
    )


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Token <key>` against the hashed keys; 401 with a Vietnamese reason when refused."""

    def authenticate(self, request):
        header = get_authorization_header(request)
        if not header or header.split(b" ", 1)[0].lower() != KEYWORD.lower().encode():
            return None
        try:
            key = header.decode("utf-8").partition(" ")[2].strip()
        except UnicodeDecodeError:
            key = ""
        if not key or " " in key:
            raise exceptions.AuthenticationFailed(
                _("Tiêu đề Authorization phải có dạng «Token <mã truy cập>»."), code="token_malformed"
            )
        token = token_find(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Mã truy cập không hợp lệ."), code="token_invalid")
        now = timezone.now()
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(
                _("Mã truy cập đã bị thu hồi. Vui lòng đăng nhập lại."), code="token_revoked"
            )
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(
                _("Mã truy cập đã hết hạn. Vui lòng đăng nhập lại."), code="token_expired"
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Tài khoản đã bị khóa."), code="user_inactive")
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        from .language import activate_for_token_user

        activate_for_token_user(request, token.user)
        return token.user, token

    def authenticate_header(self, request):
        return KEYWORD


# -- a new password revokes every key ---------------------------------------------------------------------


@receiver(pre_save, sender=get_user_model(), dispatch_uid="workflows.tokens.note_password_change")
def _note_password_change(sender, instance, raw=False, update_fields=None, **kwargs):
    """Compare the password hash about to be saved with the stored one (any path: set_password(),
    set_unusable_password(), a form, the admin, a management command).

    Django's own hash upgrade on login (check_password() re-hashing the same password with a newer
    algorithm or iteration count: `_password` cleared, only the password field saved) is not a change.
    """
    instance._password_hash_changed = False
    if raw or instance.pk is None:
        return
    if update_fields is not None and "password" not in update_fields:
        return
    if update_fields is not None and set(update_fields) == {"password"} and instance._password is None:
        return  # check_password()'s hash upgrade
    stored = sender._default_manager.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance._password_hash_changed = stored is not None and stored != instance.password


@receiver(post_save, sender=get_user_model(), dispatch_uid="workflows.tokens.revoke_on_password_change")
def _revoke_on_password_change(sender, instance, created=False, raw=False, **kwargs):
    if getattr(instance, "_password_hash_changed", False):
        instance._password_hash_changed = False
        tokens_revoke_all(user=instance)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the schema (and Swagger UI's «Authorize») describes the key: `Authorization: Token <key>`."""

    target_class = "workflows.tokens.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        definition = build_bearer_security_scheme_object(header_name="Authorization", token_prefix=KEYWORD)
        definition["description"] = (
            "POST /api/auth/token/ → {token}; gửi «Authorization: Token <token>». "
            "Mã hết hạn sau DJANGO_API_TOKEN_HOURS giờ; POST /api/auth/logout/ thu hồi."
        )
        return definition
