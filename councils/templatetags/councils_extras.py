"""Template helpers of the councils pages and documents."""

from django import template

register = template.Library()


@register.filter
def full_name(user) -> str:
    """A Vietnamese full name: family and middle names first, then the given name ("Võ Thanh Tâm")."""
    if user is None:
        return ""
    name = f"{user.last_name} {user.first_name}".strip()
    return name or user.get_username()


@register.filter
def lookup(mapping, key):
    """mapping[key] in a template (None when absent or when mapping is not a mapping)."""
    return mapping.get(key) if hasattr(mapping, "get") else None
