from .models import Role
from .roles import authorities_of, can_read_everything, is_administrator

#: Roles shown the API documentation link in the menu (the API itself answers everyone it authorises).
API_ROLES = frozenset({Role.BOARD_OFFICER, Role.BOARD_HEAD, Role.AUDITOR})


def roles(request):
    """Role flags for templates (to show or hide links); services still enforce every rule."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    held = {a.role for a in authorities_of(user)}
    return {
        "user_roles": sorted(Role(r).label for r in held),
        "can_read_everything": can_read_everything(user),
        "is_auditor": Role.AUDITOR in held or is_administrator(user),
        "can_manage_roles": bool(held & {Role.BOARD_HEAD, Role.BOARD_OFFICER}) or is_administrator(user),
        # The API documentation link: for the Board (who script imports and exports), auditors (who check
        # the history and the chain through the API) and administrators (who set up integrations). A unit,
        # a council member or the chairman works in the pages only; an integrator uses a key, not this menu.
        "uses_api": bool(held & API_ROLES) or is_administrator(user),
        "unread_notifications": user.notifications.filter(read_at__isnull=True).count(),
    }
