"""Who holds which role, where, today: memberships and delegations resolved into authorities."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils import timezone

from .models import Delegation, Membership, Role


@dataclass(frozen=True)
class Scope:
    """What an object belongs to, for role checks: its unit and/or council term. Empty = city-wide object."""

    unit_id: int | None = None
    council_term_id: int | None = None


CITY = Scope()


@dataclass(frozen=True)
class Authority:
    """A role a user may exercise today, in a scope, possibly on behalf of a delegator."""

    role: str
    unit_id: int | None
    council_term_id: int | None
    on_behalf_of_id: int | None = None

    def covers(self, scope: Scope) -> bool:
        """A city-wide grant covers every object; a unit or council grant covers objects of that unit/term."""
        if self.unit_id is None and self.council_term_id is None:
            return True
        if self.unit_id is not None:
            return self.unit_id == scope.unit_id
        return self.council_term_id == scope.council_term_id


def active_q(day: date) -> Q:
    return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))


def authorities_of(user, day: date | None = None) -> list[Authority]:
    """Every role the user may exercise on `day`: their own memberships, then delegations received.

    A delegation counts only while the delegator still holds the delegated role in that scope.
    Cached on the user object for the request (memberships change rarely; a new request re-reads).
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    day = day or timezone.localdate()
    cache = getattr(user, "_authorities_cache", None)
    if cache is not None and cache[0] == day:
        return cache[1]
    own = [
        Authority(role, unit_id, term_id)
        for role, unit_id, term_id in Membership.objects.filter(active_q(day), user=user).values_list(
            "role", "unit_id", "council_term_id"
        )
    ]
    delegated = []
    for role, unit_id, term_id, delegator_id in Delegation.objects.filter(active_q(day), delegate=user).values_list(
        "role", "unit_id", "council_term_id", "delegator_id"
    ):
        holds = Membership.objects.filter(
            active_q(day), user_id=delegator_id, role=role, unit_id=unit_id, council_term_id=term_id
        ).exists()
        if holds:
            delegated.append(Authority(role, unit_id, term_id, on_behalf_of_id=delegator_id))
    result = own + delegated
    user._authorities_cache = (day, result)
    return result


def forget_cached_authorities(user) -> None:
    if hasattr(user, "_authorities_cache"):
        del user._authorities_cache


def find_authority(user, roles: Iterable[str], scope: Scope, day: date | None = None) -> Authority | None:
    """The first authority (own before delegated) letting `user` act in one of `roles` on `scope`."""
    wanted = set(roles)
    for authority in authorities_of(user, day):
        if authority.role in wanted and authority.covers(scope):
            return authority
    return None


def has_role(user, *roles: str, day: date | None = None) -> bool:
    """Does the user hold any of `roles` anywhere today?"""
    wanted = set(roles)
    return any(a.role in wanted for a in authorities_of(user, day))


def is_board(user) -> bool:
    return has_role(user, Role.BOARD_OFFICER, Role.BOARD_HEAD)


def can_read_everything(user) -> bool:
    """The Board, the auditor and the city chairman read every object and its history."""
    return bool(getattr(user, "is_superuser", False)) or has_role(
        user, Role.BOARD_OFFICER, Role.BOARD_HEAD, Role.AUDITOR, Role.CITY_CHAIRMAN
    )
