"""Template helpers of the councils pages and documents."""

from django import template

from workflows.templatetags.people import full_name

register = template.Library()


register.filter("full_name", full_name)


@register.filter
def lookup(mapping, key):
    """mapping[key] in a template (None when absent or when mapping is not a mapping)."""
    return mapping.get(key) if hasattr(mapping, "get") else None
