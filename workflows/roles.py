"""Who holds which role, where, today: memberships and delegations resolved into authorities."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from .db import fixed_statement_cursor
from .models import Role


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
    """Memberships that give power on `day`: approved and within their dates (valid_to inclusive).

    A pending grant (no second person's approval yet) gives none. A membership ended at once (`ended_at`
    set, `valid_to` = the day it was ended) gives none from that day on, but still counts for the days
    before it (a council member who left today was a member at yesterday's session).
    """
    return (
        Q(approved_at__isnull=False)
        & Q(valid_from__lte=day)
        & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        & (Q(ended_at__isnull=True) | Q(valid_to__gt=day))
    )


_AUTHORITIES_SQL = """
SELECT m.role, m.unit_id, m.council_term_id, CAST(NULL AS INTEGER) AS delegator_id
  FROM workflows_membership m
 WHERE m.user_id = %s AND m.valid_from <= %s AND (m.valid_to IS NULL OR m.valid_to >= %s)
   AND m.approved_at IS NOT NULL AND (m.ended_at IS NULL OR m.valid_to > %s)
UNION ALL
SELECT d.role, d.unit_id, d.council_term_id, d.delegator_id
  FROM workflows_delegation d
 WHERE d.delegate_id = %s AND d.valid_from <= %s AND (d.valid_to IS NULL OR d.valid_to >= %s)
   AND EXISTS (
       SELECT 1 FROM workflows_membership h
        WHERE h.user_id = d.delegator_id AND h.role = d.role
          AND (h.unit_id = d.unit_id OR (h.unit_id IS NULL AND d.unit_id IS NULL))
          AND (h.council_term_id = d.council_term_id OR (h.council_term_id IS NULL AND d.council_term_id IS NULL))
          AND h.valid_from <= %s AND (h.valid_to IS NULL OR h.valid_to >= %s)
          AND h.approved_at IS NOT NULL AND (h.ended_at IS NULL OR h.valid_to > %s))
"""

#: The same lookup as one JSON value, for the engine to fetch in its row-lock statement on PostgreSQL (one
#: round trip fewer per transition). Rows are [role, unit_id, council_term_id, delegator_id].
AUTHORITIES_JSON_SQL = (
    "(SELECT COALESCE(json_agg(json_build_array(a.role, a.unit_id, a.council_term_id, a.delegator_id)), "
    f"'[]'::json) FROM ({_AUTHORITIES_SQL}) a)"
)


def authorities_params(user, day: date) -> list:
    day_value = connection.ops.adapt_datefield_value(day)
    return [
        user.pk,
        day_value,
        day_value,
        day_value,
        user.pk,
        day_value,
        day_value,
        day_value,
        day_value,
        day_value,
    ]


def needs_authorities(user, day: date) -> bool:
    """True when `user` is signed in and their authorities for `day` are not cached yet."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    cache = getattr(user, "_authorities_cache", None)
    return cache is None or cache[0] != day


def remember_authorities(user, day: date, rows) -> list[Authority]:
    """Cache the lookup's rows on the user object for this request; own authorities before delegated."""
    own = [
        Authority(role, unit_id, term_id) for role, unit_id, term_id, delegator in rows if delegator is None
    ]
    delegated = [
        Authority(role, unit_id, term_id, on_behalf_of_id=delegator)
        for role, unit_id, term_id, delegator in rows
        if delegator is not None
    ]
    result = own + delegated
    user._authorities_cache = (day, result)
    return result


_TODAY: list = [None, None, 0.0]  # [time zone, local date, epoch seconds at which it ends]


def today() -> date:
    """timezone.localdate() for the transition's path: the default time zone's date (the project activates no
    other), computed once per day instead of on every call (a zone conversion per call cost about 30 µs, twice
    per transition)."""
    zone = timezone.get_default_timezone()
    now = time.time()
    cached_zone, day, ends = _TODAY
    if cached_zone is zone and now < ends:
        return day
    day = datetime.fromtimestamp(now, zone).date()
    ends = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone).timestamp()
    _TODAY[:] = [zone, day, ends]
    return day


def authorities_of(user, day: date | None = None) -> list[Authority]:
    """Every role the user may exercise on `day`: their own memberships, then delegations received.

    A delegation counts only while the delegator still holds the delegated role in that scope. One query
    (it sits on every transition's path); cached on the user object for the request.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    day = day or today()
    if not needs_authorities(user, day):
        return user._authorities_cache[1]
    with fixed_statement_cursor(connection) as cursor:
        cursor.execute(_AUTHORITIES_SQL, authorities_params(user, day))
        rows = cursor.fetchall()
    return remember_authorities(user, day, rows)


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


def acting_role(user, roles: Iterable[str], scope: Scope | None = None, *, claimed: str = "") -> str | None:
    """The role `user` acts in for one of `roles` (on `scope`, or anywhere when None) today: the one the caller
    claimed if it is among `roles` and held, else the first held; None if none is held. Every service's role
    check records this, never a role the user does not hold (a superuser is no exception)."""
    roles = tuple(roles)
    if scope is None:
        held = {authority.role for authority in authorities_of(user, None)}
        if claimed in roles and claimed in held:
            return claimed
        return next((role for role in roles if role in held), None)
    authority = find_authority(user, roles, scope)
    if authority is None:
        return None
    if claimed in roles and find_authority(user, (claimed,), scope) is not None:
        return claimed
    return authority.role


def is_board(user) -> bool:
    return has_role(user, Role.BOARD_OFFICER, Role.BOARD_HEAD)


def is_administrator(user) -> bool:
    """An IT administrator (Django superuser). They administer users, role grants (under the same second-person
    rules) and configuration, and read everything; they hold no domain power: a transition, a vote, a session,
    a round or a division needs a domain role (a membership) like anyone else's (docs/security.md)."""
    return bool(getattr(user, "is_superuser", False))


def can_read_everything(user) -> bool:
    """The Board, the auditor and the city chairman read every object and its history."""
    return is_administrator(user) or has_role(
        user, Role.BOARD_OFFICER, Role.BOARD_HEAD, Role.AUDITOR, Role.CITY_CHAIRMAN
    )
