"""Writes to the role data: grant and end memberships, create delegations. Each is audited.

Who may is the permission layer's (workflows.policies may_manage_*): each service asks it with
`actor = require(policy, actor, obj)` and records the actor in the role decided there. Power follows the
memberships themselves (workflows.roles resolves them on each request); nothing is copied into object
permissions."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .engine import TransitionNotAllowed
from .models import APPROVAL_ROLES, COUNCIL_ROLES, UNIT_ROLES, Delegation, Membership, MembershipStatus, Role
from .policies import (
    may_manage_delegation,
    may_manage_grant_approval,
    may_manage_grant_proposal,
    may_manage_grant_rejection,
    may_manage_membership_end,
    require,
)
from .roles import forget_cached_authorities


def _check_scope(role: str, unit, council_term) -> None:
    if role in UNIT_ROLES and unit is None:
        raise ValidationError({"unit": _("Vai trò này cần chọn đơn vị.")})
    if role in COUNCIL_ROLES and council_term is None:
        raise ValidationError({"council_term": _("Vai trò này cần chọn nhiệm kỳ hội đồng.")})
    if role not in UNIT_ROLES | COUNCIL_ROLES and (unit is not None or council_term is not None):
        raise ValidationError({"role": _("Vai trò này áp dụng cho toàn thành phố, không gắn với đơn vị.")})


def _membership_data(membership: Membership) -> dict:
    return {
        "user": membership.user.username,
        "role": membership.role,
        "unit": getattr(membership.unit, "code", None),
        "council_term": membership.council_term_id,
        "valid_from": membership.valid_from,
        "valid_to": membership.valid_to,
    }


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
    """Give `user` a role for a scope and date range; audited; object permissions follow.

    Nobody grants a role to themselves. A unit role granted by the Board head takes effect at once; a
    city-wide or council role is only proposed (pending, no power) until a second person approves it
    (membership_approve). The SYSTEM actor (migrations, seeding) grants directly.
    """
    try:
        Role(role)
    except ValueError:
        raise ValidationError({"role": _("Vai trò không hợp lệ.")}) from None
    if actor.user is not None and actor.user.pk == user.pk:
        raise PermissionDenied(_("Không ai được tự giao vai trò cho chính mình."))
    acting = require(may_manage_grant_proposal, actor, role)
    _check_scope(role, unit, council_term)
    valid_from = valid_from or timezone.localdate()
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError({"valid_to": _("Ngày hết hiệu lực phải sau ngày bắt đầu.")})
    needs_approval = actor.user is not None and role in APPROVAL_ROLES
    with transaction.atomic():
        membership = Membership.objects.create(
            user=user,
            role=role,
            unit=unit,
            council_term=council_term,
            valid_from=valid_from,
            valid_to=valid_to,
            proposed_by=actor.user,
            approved_at=None if needs_approval else timezone.now(),
        )
        audit.record(
            subject=membership,
            actor=acting,
            verb="membership_proposed" if needs_approval else "membership_granted",
            data=_membership_data(membership),
        )
    forget_cached_authorities(user)
    return membership


def _locked_pending(membership: Membership) -> Membership:
    locked = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "unit")
        .get(pk=membership.pk)
    )
    if locked.status != MembershipStatus.PENDING:
        raise TransitionNotAllowed(
            _("Vai trò này không còn chờ phê duyệt (trạng thái: %(status)s).")
            % {"status": locked.get_status_display()}
        )
    return locked


def membership_approve(*, membership: Membership, actor: audit.Actor, comment: str = "") -> Membership:
    """A second person (never the grantee, never the proposer) approves a pending grant; it takes effect now."""
    if actor.user is None:
        raise PermissionDenied(_("Phê duyệt cần một người cụ thể."))
    with transaction.atomic():
        locked = _locked_pending(membership)
        acting = require(may_manage_grant_approval, actor, locked)
        locked.approved_by = actor.user
        locked.approved_at = timezone.now()
        locked.save(update_fields=["approved_by", "approved_at"])
        audit.record(
            subject=locked,
            actor=acting,
            verb="membership_approved",
            comment=comment,
            data={**_membership_data(locked), "proposed_by": getattr(locked.proposed_by, "username", None)},
        )
    forget_cached_authorities(locked.user)
    return locked


def membership_reject(*, membership: Membership, actor: audit.Actor, comment: str = "") -> Membership:
    """Refuse (or, for its proposer, withdraw) a pending grant; it never takes effect."""
    acting = require(may_manage_grant_rejection, actor, membership)
    with transaction.atomic():
        locked = _locked_pending(membership)
        locked.ended_at = timezone.now()
        locked.save(update_fields=["ended_at"])
        audit.record(
            subject=locked,
            actor=acting,
            verb="membership_rejected",
            comment=comment,
            data=_membership_data(locked),
        )
    return locked


def membership_end(*, membership: Membership, actor: audit.Actor, valid_to: date | None = None) -> Membership:
    """End a membership: at once when no date or today is given (its power goes with the commit: roles are
    read from the memberships), or on a future `valid_to` (its last valid day); audited."""
    acting = require(may_manage_membership_end, actor, membership)
    today = timezone.localdate()
    valid_to = valid_to or today
    if valid_to < today:
        raise ValidationError(
            {"valid_to": _("Không thể kết thúc vai trò lùi ngày; hãy chọn hôm nay hoặc sau.")}
        )
    with transaction.atomic():
        locked = (
            Membership.objects.select_for_update(of=("self",)).select_related("user").get(pk=membership.pk)
        )
        if locked.status != MembershipStatus.ACTIVE:
            raise TransitionNotAllowed(
                _("Chỉ kết thúc được vai trò đang hiệu lực (trạng thái: %(status)s).")
                % {"status": locked.get_status_display()}
            )
        previous = locked.valid_to
        changes: dict = {}
        if valid_to == today:
            locked.ended_at = timezone.now()
            changes["ended_at"] = [None, locked.ended_at]
            valid_to = max(today, locked.valid_from)
        if previous != valid_to:
            changes["valid_to"] = [previous, valid_to]
        locked.valid_to = valid_to
        locked.save(update_fields=["valid_to", "ended_at"])
        audit.record(subject=locked, actor=acting, verb="membership_ended", data={"changes": changes})
    forget_cached_authorities(locked.user)
    forget_cached_authorities(membership.user)
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
    if actor.user is not None and actor.user.pk == delegate.pk:
        raise PermissionDenied(_("Không ai được tự ủy quyền cho chính mình."))
    actor = require(may_manage_delegation, actor, delegator)
    if valid_to < valid_from:
        raise ValidationError({"valid_to": _("Ngày hết hiệu lực phải sau ngày bắt đầu.")})
    holds = Membership.objects.filter(
        user=delegator, role=role, unit=unit, council_term=council_term, approved_at__isnull=False
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
