"""Writes to the role data: grant and end memberships, create delegations. Each is audited."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .models import COUNCIL_ROLES, UNIT_ROLES, Delegation, Membership, Role
from .permissions import sync_object_permissions
from .roles import forget_cached_authorities


def _check_scope(role: str, unit, council_term) -> None:
    if role in UNIT_ROLES and unit is None:
        raise ValidationError({"unit": _("Vai trò này cần chọn đơn vị.")})
    if role in COUNCIL_ROLES and council_term is None:
        raise ValidationError({"council_term": _("Vai trò này cần chọn nhiệm kỳ hội đồng.")})
    if role not in UNIT_ROLES | COUNCIL_ROLES and (unit is not None or council_term is not None):
        raise ValidationError({"role": _("Vai trò này áp dụng cho toàn thành phố, không gắn với đơn vị.")})


def membership_grant(
    *,
    user,
    role: str,
    actor: audit.Actor,
    unit=None,
    council_term=None,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> Membership:
    """Give `user` a role for a scope and date range; audited; object permissions follow."""
    Role(role)
    _check_scope(role, unit, council_term)
    valid_from = valid_from or timezone.localdate()
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError({"valid_to": _("Ngày hết hiệu lực phải sau ngày bắt đầu.")})
    with transaction.atomic():
        membership = Membership.objects.create(
            user=user,
            role=role,
            unit=unit,
            council_term=council_term,
            valid_from=valid_from,
            valid_to=valid_to,
        )
        audit.record(
            subject=membership,
            actor=actor,
            verb="membership_granted",
            data={
                "user": user.username,
                "role": role,
                "unit": getattr(unit, "code", None),
                "council_term": getattr(council_term, "pk", None),
                "valid_from": valid_from,
                "valid_to": valid_to,
            },
        )
        sync_object_permissions(actor=actor)
    forget_cached_authorities(user)
    return membership


def membership_end(*, membership: Membership, actor: audit.Actor, valid_to: date | None = None) -> Membership:
    """End a membership on `valid_to` (default today); audited; object permissions follow."""
    valid_to = valid_to or timezone.localdate()
    if valid_to < membership.valid_from:
        raise ValidationError({"valid_to": _("Ngày hết hiệu lực phải sau ngày bắt đầu.")})
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        previous = locked.valid_to
        locked.valid_to = valid_to
        locked.save(update_fields=["valid_to"])
        audit.record(
            subject=locked,
            actor=actor,
            verb="membership_ended",
            data={"changes": {"valid_to": [previous, valid_to]}},
        )
        sync_object_permissions(actor=actor)
    return locked


def delegation_create(
    *,
    delegator,
    delegate,
    role: str,
    actor: audit.Actor,
    unit=None,
    council_term=None,
    valid_from: date,
    valid_to: date,
    reason: str = "",
) -> Delegation:
    """Let `delegate` act in `delegator`'s role for a date range; the delegator must hold that role."""
    if delegator == delegate:
        raise ValidationError({"delegate": _("Không thể ủy quyền cho chính mình.")})
    if valid_to < valid_from:
        raise ValidationError({"valid_to": _("Ngày hết hiệu lực phải sau ngày bắt đầu.")})
    holds = Membership.objects.filter(
        user=delegator, role=role, unit=unit, council_term=council_term
    ).exists()
    if not holds:
        raise ValidationError({"role": _("Người ủy quyền không giữ vai trò này trong phạm vi đã chọn.")})
    with transaction.atomic():
        delegation = Delegation.objects.create(
            delegator=delegator,
            delegate=delegate,
            role=role,
            unit=unit,
            council_term=council_term,
            valid_from=valid_from,
            valid_to=valid_to,
            reason=reason,
        )
        audit.record(
            subject=delegation,
            actor=actor,
            verb="delegation_created",
            comment=reason,
            data={
                "delegator": delegator.username,
                "delegate": delegate.username,
                "role": role,
                "valid_from": valid_from,
                "valid_to": valid_to,
            },
        )
    forget_cached_authorities(delegate)
    return delegation
