"""Every POST form on the pages a user can open without URL arguments carries Django's CSRF token."""

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from workflows.models import Role


class _PostForms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = []  # [action, has_token]
        self._open = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._open = [attrs.get("action", ""), False]
            self.forms.append(self._open)
        elif tag == "input" and self._open is not None and attrs.get("name") == "csrfmiddlewaretoken":
            self._open[1] = True

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None


def _argument_free_paths(patterns=None, prefix=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith(("admin/", "api/")):
                continue
            yield from _argument_free_paths(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and "<" not in route and "(" not in route and "^" not in route:
            yield "/" + route


def _post_forms(client, path):
    response = client.get(path)
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return []
    parser = _PostForms()
    parser.feed(response.content.decode())
    return [(path, action, has_token) for action, has_token in parser.forms]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [None, Role.UNIT_OFFICER, Role.BOARD_HEAD, Role.AUDITOR])
def test_every_post_form_carries_the_csrf_token(role, person, unit):
    client = Client(enforce_csrf_checks=True)
    if role is not None:
        client.force_login(person("csrf." + role, role, unit=None if role != Role.UNIT_OFFICER else unit))
    seen = [form for path in sorted(set(_argument_free_paths())) for form in _post_forms(client, path)]
    assert seen, "no POST form found at all: the page walk is broken"
    missing = [(path, action) for path, action, has_token in seen if not has_token]
    assert not missing, f"POST forms without csrfmiddlewaretoken: {missing}"
