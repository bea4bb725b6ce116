"""Names as Vietnamese write them, for every template (registered as a builtin in project/settings.py)."""

from django import template

from workflows import names

register = template.Library()


@register.filter
def full_name(user) -> str:
    """A Vietnamese full name: family and middle names first, then the given name ("Võ Thanh Tâm")."""
    return names.full_name(user)
