"""Names as Vietnamese write them, for every template (registered as a builtin in project/settings.py)."""

from django import template

register = template.Library()


@register.filter
def full_name(user) -> str:
    """A Vietnamese full name: family and middle names first, then the given name ("Võ Thanh Tâm")."""
    if user is None:
        return ""
    name = f"{user.last_name} {user.first_name}".strip()
    return name or user.get_username()
