"""The header's webhook link: for those who may subscribe (webhooks.policies.may_subscribe_webhooks)."""

from .policies import may_subscribe_webhooks


def webhooks(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"may_subscribe_webhooks": bool(may_subscribe_webhooks(user))}
