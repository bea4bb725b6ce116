from .policies import may_manage_roles, may_read_everything, may_use_api_docs, may_verify_audit, role_labels


def roles(request):
    """Flags for templates (to show or hide links), each a decision of the permission layer
    (workflows.policies); the views and services still ask it for every action."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "user_roles": role_labels(user),
        "can_read_everything": bool(may_read_everything(user)),
        # the audit-check page's link, for whoever the page admits (auditors, the Board head, administrators)
        "is_auditor": bool(may_verify_audit(user)),
        "can_manage_roles": bool(may_manage_roles(user)),
        # The API documentation link: for the Board (who script imports and exports), auditors (who check
        # the history and the chain through the API) and administrators (who set up integrations). A unit,
        # a council member or the chairman works in the pages only; an integrator uses a key, not this menu.
        "uses_api": bool(may_use_api_docs(user)),
        "unread_notifications": user.notifications.filter(read_at__isnull=True).count(),
    }
