"""Who may register webhooks and read their deliveries (the permission layer, workflows.policies)."""

from django.utils.translation import gettext as _

from workflows.models import Role
from workflows.policies import Decision, allow, by_role, deny, policy

SUBSCRIBER_ROLES = (Role.BOARD_HEAD, Role.UNIT_HEAD)


@policy(roles=SUBSCRIBER_ROLES, description="Đăng ký webhook nhận sự kiện mình được xem")
def may_subscribe_webhooks(user, obj=None) -> Decision:
    """The Board head (for the city's portal) and a unit head (for the unit's own system) register webhooks
    that receive what they themselves may see; an administrator holds no domain view to lend."""
    return by_role(
        user,
        SUBSCRIBER_ROLES,
        None,
        reason=_("Chỉ Trưởng Ban TĐKT hoặc thủ trưởng đơn vị được đăng ký webhook."),
    )


@policy(roles=SUBSCRIBER_ROLES, description="Xem, hủy, đổi khóa một đăng ký webhook (của chính mình)")
def may_manage_subscription(user, subscription) -> Decision:
    """The owner manages their own subscription while they may still subscribe; others never see it (404)."""
    if subscription is None or subscription.owner_id != user.pk:
        return deny(_("Không tìm thấy."), status=404)
    decision = may_subscribe_webhooks(user)
    return decision if decision.allowed else deny(decision.reason)


def owned_subscription_ids(user):
    """List scoping: a subscriber lists their own subscriptions only."""
    from .models import Subscription

    return Subscription.objects.filter(owner_id=user.pk).values_list("pk", flat=True)


__all__ = ["allow", "may_manage_subscription", "may_subscribe_webhooks", "owned_subscription_ids"]
