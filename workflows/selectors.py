"""Reads shared by every activity: task inboxes and who can act next."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from .lifecycle import REGISTRY, Lifecycle, RoleRule
from .models import Membership
from .roles import active_q, authorities_of


def _role_transitions(lifecycle_cls: type[Lifecycle]):
    """(source state, RoleRule, method name) for every role-guarded transition of a machine."""
    for name, method in lifecycle_cls.transition_methods().items():
        for transition in method.get_transitions():
            if isinstance(transition.permission, RoleRule):
                yield transition.source, transition.permission, name


def _scope_q(lifecycle_cls: type[Lifecycle], authority) -> Q | None:
    """Objects an authority covers, as a filter; None when it covers none of this model."""
    if authority.unit_id is None and authority.council_term_id is None:
        return Q()
    if authority.unit_id is not None:
        if not lifecycle_cls.unit_path:
            return None
        return Q(**{f"{lifecycle_cls.unit_path}_id": authority.unit_id})
    if not lifecycle_cls.council_term_path:
        return None
    return Q(**{f"{lifecycle_cls.council_term_path}_id": authority.council_term_id})


def pending_filter(lifecycle_cls: type[Lifecycle], user) -> Q | None:
    """A filter for the objects of one machine on which `user` has a transition waiting, or None.

    One `state IN (…)` per scope the user holds roles in (a city-wide role is one scope), so the database can
    walk an index in the inbox's order and stop after a page, instead of sorting every match.
    """
    authorities = authorities_of(user)
    states_by_scope: dict[tuple, set[str]] = {}
    scopes: dict[tuple, Q] = {}
    for source, rule, _name in _role_transitions(lifecycle_cls):
        for authority in authorities:
            if authority.role not in rule.roles:
                continue
            if rule.scope == "city" and (authority.unit_id or authority.council_term_id):
                continue
            scope_q = _scope_q(lifecycle_cls, authority)
            if scope_q is None:
                continue
            key = (authority.unit_id, authority.council_term_id)
            scopes[key] = scope_q
            states_by_scope.setdefault(key, set()).add(source)
    combined = None
    for key, states in states_by_scope.items():
        clause = Q(**{f"{lifecycle_cls.state_field}__in": sorted(states)}) & scopes[key]
        combined = clause if combined is None else combined | clause
    return combined


@dataclass
class InboxSection:
    title: str
    lifecycle: type[Lifecycle]
    items: list
    total: int


def inbox(user, limit: int = 25) -> list[InboxSection]:
    """The user's task inbox ("Việc cần xử lý"): per machine, the objects waiting for them. One query each."""
    sections = []
    for model, lifecycle_cls in REGISTRY.items():
        if getattr(lifecycle_cls, "inbox_hidden", False):
            continue
        condition = pending_filter(lifecycle_cls, user)
        if condition is None:
            continue
        queryset = model._default_manager.filter(condition)
        related = getattr(lifecycle_cls, "inbox_select_related", ())
        if related:
            queryset = queryset.select_related(*related)
        items = list(queryset.order_by(*getattr(lifecycle_cls, "inbox_ordering", ("pk",)))[: limit + 1])
        if items:
            sections.append(
                InboxSection(
                    str(model._meta.verbose_name_plural).capitalize(),
                    lifecycle_cls,
                    items[:limit],
                    len(items),
                )
            )
    return sections


def users_who_can_act(flow: Lifecycle) -> list:
    """Users holding, today, a role that allows one of the transitions out of the current state."""
    scope = flow.scope()
    roles: set[str] = set()
    city_only: set[str] = set()
    for source, rule, _name in _role_transitions(type(flow)):
        if source == flow.state:
            (city_only if rule.scope == "city" else roles).update(rule.roles)
    if not roles and not city_only:
        return []
    city_wide = Q(unit__isnull=True, council_term__isnull=True)
    in_scope = city_wide
    if scope.unit_id:
        in_scope |= Q(unit_id=scope.unit_id)
    if scope.council_term_id:
        in_scope |= Q(council_term_id=scope.council_term_id)
    condition = (Q(role__in=roles) & in_scope) | (Q(role__in=city_only) & city_wide)
    user_ids = Membership.objects.filter(active_q(timezone.localdate())).filter(condition).values("user_id")
    return list(get_user_model().objects.filter(pk__in=user_ids, is_active=True))
