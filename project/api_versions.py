"""API versions (docs/api-versioning.md): /api/v1/ is the API; the unversioned /api/… paths are its aliases for
one release, answering exactly as v1 with `Deprecation: true` and a `Link: </api/v1/…>; rel="successor-version"`
header naming the same resource under /api/v1/. The OpenAPI schema documents /api/v1/ only.
"""

from __future__ import annotations

import functools

from django.urls import URLPattern, URLResolver

CURRENT = "v1"
CURRENT_PREFIX = f"/api/{CURRENT}/"
ALIAS_PREFIX = "/api/"
#: The URL namespace of the aliases: reverse("dossier-detail") is the v1 path, "api-unversioned:dossier-detail"
#: the deprecated one.
ALIAS_NAMESPACE = "api-unversioned"


def successor(request) -> str:
    """The /api/v1/ path of the resource an alias request asked for (under the site's script prefix)."""
    script = request.path[: len(request.path) - len(request.path_info)]
    return script + CURRENT_PREFIX + request.path_info[len(ALIAS_PREFIX) :]


def deprecated(view):
    """`view`, answering with the deprecation headers. functools.wraps keeps the attributes Django and DRF read
    on a view (csrf_exempt, cls, initkwargs, actions)."""

    @functools.wraps(view)
    def alias(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Deprecation"] = "true"
        response["Link"] = f'<{successor(request)}>; rel="successor-version"'
        return response

    return alias


def aliases(patterns) -> list:
    """The same URL patterns (walking includes), each view wrapped by `deprecated`."""
    result = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            result.append(
                URLResolver(
                    entry.pattern,
                    aliases(entry.url_patterns),
                    entry.default_kwargs,
                    entry.app_name,
                    entry.namespace,
                )
            )
        elif isinstance(entry, URLPattern):
            result.append(
                URLPattern(entry.pattern, deprecated(entry.callback), entry.default_args, entry.name)
            )
    return result


def current_version_only(endpoints, **kwargs):
    """drf-spectacular preprocessing hook: the schema documents the /api/v1/ operations only."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(CURRENT_PREFIX)]
