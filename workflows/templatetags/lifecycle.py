"""{% lifecycle_panel obj %}: what comes next on an object's page; {% lifecycle_diagram obj %}: its picture.

    {% load lifecycle %}
    {% lifecycle_panel dossier %}                 the full panel: steps, "Đang chờ", refused steps, diagram
    {% lifecycle_panel row.line compact=True %}   one line of steps and who it waits on (a dossier's lines)
    {% lifecycle_diagram subject %}               the diagram alone (the history page)

The viewer is request.user from the context. Everything is computed here (workflows.progress) so the views
stay as they are; a page showing many objects of one machine shares one "Đang chờ" query per state.
"""

from __future__ import annotations

from django import template

from .. import progress as lifecycle_progress
from ..lifecycle import lifecycle_for

register = template.Library()


def _viewer_and_cache(context):
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    cache = None
    if request is not None:
        cache = getattr(request, "_lifecycle_waiting_cache", None)
        if cache is None:
            cache = {}
            request._lifecycle_waiting_cache = cache
    return user, cache


def _has_lifecycle(obj) -> bool:
    try:
        lifecycle_for(obj)
    except LookupError:
        return False
    return True


@register.inclusion_tag("workflows/includes/lifecycle_panel.html", takes_context=True)
def lifecycle_panel(context, obj, compact=False):
    if obj is None or not _has_lifecycle(obj):
        return {"panel": None}
    user, cache = _viewer_and_cache(context)
    panel = lifecycle_progress.progress(
        obj, user, with_history=False if compact else None, cache=cache, exact=not compact
    )
    return {
        "panel": panel,
        "compact": compact,
        "uid": f"{obj._meta.model_name}-{obj.pk}",
        "svg": None if compact else panel.diagram(),
    }


@register.inclusion_tag("workflows/includes/lifecycle_diagram.html", takes_context=True)
def lifecycle_diagram(context, obj):
    if obj is None or not _has_lifecycle(obj):
        return {"panel": None}
    user, cache = _viewer_and_cache(context)
    panel = lifecycle_progress.progress(obj, user, cache=cache)
    return {"panel": panel, "svg": panel.diagram(), "uid": f"{obj._meta.model_name}-{obj.pk}"}
