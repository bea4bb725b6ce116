"""The interface language: Vietnamese for everyone, English only for whoever picks it (remembered per user).

The browser's Accept-Language is not asked (an en-US browser still gets Vietnamese). The language is, in order:
  1. for /api/ only, an explicit Accept-Language naming a supported language: an API client's own choice;
  2. a signed-in user's stored choice (UserPreference, copied into the session at login; for an API key, read
     when the key is checked: activate_for_token_user);
  3. the language cookie the language switch sets (someone not signed in, e.g. on the login page);
  4. settings.LANGUAGE_CODE ("vi").
The switch (POST /i18n/setlang/, `set_language`) is Django's view; for a signed-in user it also stores the choice
on the user, so it follows them to any browser after the next login. A signed-in user who never chose stays in
Vietnamese whatever cookie an earlier visitor of the same browser left.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.i18n import set_language as django_set_language

from .models import UserPreference

#: The session key holding a signed-in user's language (set at login, and when they switch).
SESSION_KEY = "tdkt_language"
API_PREFIX = "/api/"


def supported(code) -> str | None:
    """The supported language for a code ("en-US" → "en"), or None."""
    if not code or not isinstance(code, str):
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def stored_language(user) -> str:
    """The language a user chose, or the default."""
    chosen = UserPreference.objects.filter(user=user).values_list("language", flat=True).first()
    return supported(chosen) or settings.LANGUAGE_CODE


def _accept_language(request) -> str | None:
    for code, _quality in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        if code != "*" and (language := supported(code)):
            return language
    return None


def language_for(request) -> str:
    if request.path_info.startswith(API_PREFIX) and (language := _accept_language(request)):
        return language
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        language = supported(request.session.get(SESSION_KEY))
        if language is None:  # a session from before the choice was kept in it
            language = request.session[SESSION_KEY] = stored_language(user)
        return language
    return supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)) or settings.LANGUAGE_CODE


def activate_for_token_user(request, user) -> None:
    """An API client signed in by key (workflows.tokens) is known only once DRF authenticates it, after the
    middleware chose the language for an anonymous request: answer in the user's stored choice unless the
    client named a language itself (Accept-Language comes first for /api/)."""
    if _accept_language(request) is None:
        translation.activate(stored_language(user))
        request.LANGUAGE_CODE = translation.get_language()


class LanguageMiddleware:
    """Activates the language of language_for() (in place of LocaleMiddleware's Accept-Language negotiation).
    After AuthenticationMiddleware: it needs request.user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        translation.activate(language_for(request))
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        # The view may have switched it (the language switch, a login).
        response.headers.setdefault("Content-Language", translation.get_language())
        api = request.path_info.startswith(API_PREFIX)
        patch_vary_headers(response, ("Cookie", "Accept-Language") if api else ("Cookie",))
        return response


@receiver(user_logged_in, dispatch_uid="workflows.language.apply_at_login")
def apply_at_login(sender, request, user, **kwargs):
    """At login the user's own choice replaces whatever the browser had (and the rest of this request uses it)."""
    if request is None or not hasattr(request, "session"):
        return
    language = stored_language(user)
    request.session[SESSION_KEY] = language
    translation.activate(language)
    request.LANGUAGE_CODE = language


def set_language(request):
    """Django's language switch (cookie, safe `next`), and for a signed-in user the choice kept on the user."""
    response = django_set_language(request)
    language = supported(request.POST.get("language"))
    if request.method == "POST" and language is not None and language == request.POST.get("language"):
        user = request.user
        if user.is_authenticated:
            UserPreference.objects.update_or_create(user=user, defaults={"language": language})
            request.session[SESSION_KEY] = language
    return response
