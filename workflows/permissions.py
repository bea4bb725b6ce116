"""Object permissions (django-guardian) kept in step with memberships, and read predicates.

A unit role gives `organisations.view_unit` on that unit; a council role gives
`organisations.view_councilterm` on that term. Only sync_object_permissions() grants or revokes them,
and it audits each change.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from guardian.models import UserObjectPermission
from guardian.shortcuts import assign_perm, remove_perm

from organisations.models import CouncilTerm, Unit

from . import audit
from .models import COUNCIL_ROLES, UNIT_ROLES, Membership
from .roles import active_q, authorities_of, can_read_everything

VIEW_UNIT = "view_unit"
VIEW_TERM = "view_councilterm"


def _desired(day) -> set[tuple[int, str, int]]:
    rows = Membership.objects.filter(active_q(day)).values_list(
        "user_id", "role", "unit_id", "council_term_id"
    )
    desired = set()
    for user_id, role, unit_id, term_id in rows:
        if role in UNIT_ROLES and unit_id:
            desired.add((user_id, VIEW_UNIT, unit_id))
        elif role in COUNCIL_ROLES and term_id:
            desired.add((user_id, VIEW_TERM, term_id))
    return desired


def _existing() -> set[tuple[int, str, int]]:
    unit_ct = ContentType.objects.get_for_model(Unit)
    term_ct = ContentType.objects.get_for_model(CouncilTerm)
    rows = UserObjectPermission.objects.filter(
        content_type__in=[unit_ct, term_ct], permission__codename__in=[VIEW_UNIT, VIEW_TERM]
    ).values_list("user_id", "permission__codename", "object_pk")
    return {(user_id, codename, int(object_pk)) for user_id, codename, object_pk in rows}


def sync_object_permissions(*, actor: audit.Actor = audit.SYSTEM, day=None) -> tuple[int, int]:
    """Grant what active memberships imply and revoke the rest; audit each change. Returns (granted, revoked)."""
    day = day or timezone.localdate()
    users = get_user_model().objects
    with transaction.atomic():
        desired = _desired(day)
        existing = _existing()
        for user_id, codename, object_pk in sorted(desired - existing):
            target = (Unit if codename == VIEW_UNIT else CouncilTerm).objects.get(pk=object_pk)
            user = users.get(pk=user_id)
            assign_perm(codename, user, target)
            audit.record(
                subject=target,
                actor=actor,
                verb="permission_granted",
                data={"user": user.username, "permission": codename},
            )
        for user_id, codename, object_pk in sorted(existing - desired):
            target = (Unit if codename == VIEW_UNIT else CouncilTerm).objects.get(pk=object_pk)
            user = users.get(pk=user_id)
            remove_perm(codename, user, target)
            audit.record(
                subject=target,
                actor=actor,
                verb="permission_revoked",
                data={"user": user.username, "permission": codename},
            )
    return len(desired - existing), len(existing - desired)


def can_view_unit(user, unit: Unit) -> bool:
    """Board, auditors and the chairman see every unit; others see the units they hold a role in."""
    return can_read_everything(user) or user.has_perm(f"organisations.{VIEW_UNIT}", unit)


def can_view_council_term(user, term: CouncilTerm) -> bool:
    """A council member sees the sessions of the terms they sit on (while their membership lasts)."""
    return can_read_everything(user) or user.has_perm(f"organisations.{VIEW_TERM}", term)


def can_read_history(user, subject=None) -> bool:
    """The audit history of objects is read by the Board, auditors and the city chairman; a unit (its officers
    and head, or their delegates) also reads the history of its own objects whose lifecycle says so
    (`unit_reads_history`, e.g. a dossier: why it was returned, who acted). Another unit's: never."""
    if can_read_everything(user):
        return True
    if subject is None or not getattr(user, "is_authenticated", False):
        return False
    from .lifecycle import lifecycle_for

    try:
        flow = lifecycle_for(subject)(subject)
    except LookupError:
        return False
    unit_id = flow.scope().unit_id if getattr(flow, "unit_reads_history", False) else None
    return unit_id is not None and any(
        authority.role in UNIT_ROLES and authority.unit_id == unit_id for authority in authorities_of(user)
    )
