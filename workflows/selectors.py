"""Reads shared by every activity: task inboxes and who can act next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db.models import F, Q
from django.utils import timezone

from .inbox import DUE, SOON, InboxItem, providers
from .lifecycle import REGISTRY, Lifecycle, RoleRule
from .models import Membership
from .policies import admitted_authorities, authorities_for_display
from .roles import active_q


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


def _pending_scopes(lifecycle_cls: type[Lifecycle], user) -> dict[tuple, tuple[Q, dict, dict]]:
    """Per scope the user holds roles in (unit id, council term id): its filter, for each source state the
    labels of the transitions the user may perform from it there, and the states that wait for the user.

    The machine's `inbox_optional` transitions (withdraw, cancel, postpone: a way out, not the next step) are
    listed among an object's actions but do not by themselves put the object in the inbox; a transition in
    `inbox_conditions` ({name: () -> Q}) waits only on the objects that filter keeps (its own conditions,
    e.g. every nominee appraised before the sign-off, said in SQL so the inbox stays one query)."""
    scopes: dict[tuple, tuple[Q, dict[str, list[str]], dict[str, Q | None]]] = {}
    optional = set(getattr(lifecycle_cls, "inbox_optional", ()))
    conditions = getattr(lifecycle_cls, "inbox_conditions", {})
    labelled = [
        (transition.source, transition.permission, str(transition.label or name), name in optional, name)
        for name, method in lifecycle_cls.transition_methods().items()
        for transition in method.get_transitions()
        if isinstance(transition.permission, RoleRule)
    ]
    labelled.sort(key=lambda row: row[3])  # the next steps first, the ways out after them
    for source, rule, label, is_optional, name in labelled:
        for authority in admitted_authorities(user, rule.roles, city_only=rule.scope == "city"):
            scope_q = _scope_q(lifecycle_cls, authority)
            if scope_q is None:
                continue
            key = (authority.unit_id, authority.council_term_id)
            _q, by_state, waiting = scopes.setdefault(key, (scope_q, {}, {}))
            labels = by_state.setdefault(source, [])
            if label not in labels:
                labels.append(label)
            if is_optional:
                continue
            condition = conditions[name]() if name in conditions else None
            if source not in waiting:
                waiting[source] = condition
            elif waiting[source] is not None:
                waiting[source] = None if condition is None else waiting[source] | condition
    return {key: scope for key, scope in scopes.items() if scope[2]}


def _waiting_q(lifecycle_cls: type[Lifecycle], waiting: dict[str, Q | None]) -> Q:
    """`state IN (…)` for the states that wait unconditionally, OR each conditional state with its filter."""
    field = lifecycle_cls.state_field
    plain = sorted(state for state, condition in waiting.items() if condition is None)
    result = Q(**{f"{field}__in": plain}) if plain else None
    for state in sorted(waiting):
        if waiting[state] is not None:
            clause = Q(**{field: state}) & waiting[state]
            result = clause if result is None else result | clause
    return result


def pending_filter(lifecycle_cls: type[Lifecycle], user) -> Q | None:
    """A filter for the objects of one machine on which `user` has a transition waiting, or None.

    One `state IN (…)` per scope the user holds roles in (a city-wide role is one scope), so the database can
    walk an index in the inbox's order and stop after a page, instead of sorting every match.
    """
    return _combined_q(lifecycle_cls, _pending_scopes(lifecycle_cls, user))


def _combined_q(lifecycle_cls: type[Lifecycle], scopes: dict) -> Q | None:
    combined = None
    for scope_q, _labels, waiting in scopes.values():
        clause = _waiting_q(lifecycle_cls, waiting) & scope_q
        combined = clause if combined is None else combined | clause
    return combined


@dataclass
class PlannedSection:
    """Objects of a machine with a due date (plan activities): only those due within `horizon_days` or
    overdue, in the machine's own order (plan order); `later` more are one link away (`?all=<label>`)."""

    title: str
    label: str
    items: list[InboxItem]
    later: int
    horizon: date | None
    more: bool


@dataclass
class Inbox:
    """Everything a user can act on now, most urgent first, then the planned work due soon."""

    tasks: list[InboxItem]
    more: bool
    planned: list[PlannedSection]

    def __bool__(self) -> bool:
        return bool(self.tasks or self.planned)

    @property
    def count(self) -> int:
        return len(self.tasks) + sum(len(section.items) for section in self.planned)


def _first_upper(text) -> str:
    """The first letter upper-cased, the rest kept (str.capitalize would write "TĐKT" as "tđkt")."""
    text = str(text)
    return text[:1].upper() + text[1:]


def _actions_for(obj, lifecycle_cls, scopes) -> list[str]:
    state = getattr(obj, lifecycle_cls.state_field)
    unit_id, term_id = getattr(obj, "inbox_scope_unit", None), getattr(obj, "inbox_scope_term", None)
    actions: list[str] = []
    for (scope_unit, scope_term), (_q, labels, _waiting) in scopes.items():
        if scope_unit is not None and scope_unit != unit_id:
            continue
        if scope_term is not None and scope_term != term_id:
            continue
        actions += [label for label in labels.get(state, ()) if label not in actions]
    return actions


def _transition_rows(model, lifecycle_cls, user, limit: int, today: date, horizon=None):
    """The objects of one machine waiting for the user, as inbox rows: one query (two with a horizon)."""
    scopes = _pending_scopes(lifecycle_cls, user)
    if not scopes:
        return None
    queryset = model._default_manager.filter(_combined_q(lifecycle_cls, scopes))
    annotations = {}
    if lifecycle_cls.unit_path:
        annotations["inbox_scope_unit"] = F(f"{lifecycle_cls.unit_path}_id")
    if lifecycle_cls.council_term_path:
        annotations["inbox_scope_term"] = F(f"{lifecycle_cls.council_term_path}_id")
    if annotations:
        queryset = queryset.annotate(**annotations)
    related = getattr(lifecycle_cls, "inbox_select_related", ())
    if related:
        queryset = queryset.select_related(*related)
    deadline_field = getattr(lifecycle_cls, "inbox_deadline_field", None) or getattr(
        lifecycle_cls, "inbox_due_field", None
    )
    later = 0
    if horizon is not None:
        due = lifecycle_cls.inbox_due_field
        later = queryset.filter(**{f"{due}__gt": horizon}).count()
        queryset = queryset.filter(**{f"{due}__lte": horizon})
    if deadline_field and not getattr(lifecycle_cls, "inbox_due_field", None):
        ordering = (F(deadline_field).asc(nulls_last=True), "pk")
    else:
        ordering = getattr(lifecycle_cls, "inbox_ordering", ("pk",))
    objects = list(queryset.order_by(*ordering)[: limit + 1])
    urgent = set(getattr(lifecycle_cls, "inbox_urgent_states", ()))
    kind = _first_upper(model._meta.verbose_name)
    state_labels = {value: str(label) for value, label in lifecycle_cls.states.choices}  # once, not per row
    rows = []
    for obj in objects:
        state = getattr(obj, lifecycle_cls.state_field)
        rows.append(
            InboxItem(
                subject=obj,
                title=str(obj),
                url=obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else "",
                kind=kind,
                actions=_actions_for(obj, lifecycle_cls, scopes),
                state=state_labels.get(state, state),
                deadline=getattr(obj, deadline_field) if deadline_field else None,
                priority=SOON if state in urgent else DUE,
                today=today,
            )
        )
    return rows, later


def inbox(user, limit: int = 25, show_all: str | None = None) -> Inbox:
    """The user's task inbox ("Việc cần xử lý"): the transitions waiting for them on every registered machine
    and the rows of every inbox provider (open ballots, drafts to complete…), merged most urgent first (open
    now, then by deadline); machines with a due date (plan activities) apart, only what is due within their
    horizon or overdue unless `show_all` names them ("plan.activity"). A fixed number of queries whatever
    the page size: one per machine (two with a horizon) and at most one per provider."""
    today = timezone.localdate()
    tasks: dict[tuple, InboxItem] = {}
    planned: list[PlannedSection] = []
    more = False

    def add(rows) -> None:
        nonlocal more
        if len(rows) > limit:
            more = True
        for row in rows[:limit]:
            known = tasks.get(row.key)
            if known is None:
                tasks[row.key] = row
                continue
            known.actions += [action for action in row.actions if action not in known.actions]
            known.priority = min(known.priority, row.priority)
            known.deadline = known.deadline or row.deadline
            known.note = known.note or row.note

    for model, lifecycle_cls in REGISTRY.items():
        if getattr(lifecycle_cls, "inbox_hidden", False):
            continue
        label = model._meta.label_lower
        horizon_days = getattr(lifecycle_cls, "inbox_horizon_days", None)
        horizon = None
        if horizon_days is not None and show_all != label:
            horizon = today + timedelta(days=horizon_days)
        found = _transition_rows(model, lifecycle_cls, user, limit, today, horizon)
        if found is None:
            continue
        rows, later = found
        if horizon_days is None:
            add(rows)
        elif rows or later:
            planned.append(
                PlannedSection(
                    title=_first_upper(model._meta.verbose_name_plural),
                    label=label,
                    items=rows[:limit],
                    later=later,
                    horizon=horizon,
                    more=len(rows) > limit,
                )
            )
    authorities = authorities_for_display(user)
    for _name, provider in providers():
        add(list(provider(user, authorities, limit)))
    ordered = sorted(tasks.values(), key=InboxItem.sort_key)
    if len(ordered) > limit:
        more = True
    return Inbox(tasks=ordered[:limit], more=more, planned=planned)


def users_who_can_act(flow: Lifecycle, names=None) -> list:
    """Users holding, today, a role that allows one of the transitions out of the current state (only the
    transitions `names` when given: the next steps, without the ways out, for "Đang chờ" on object pages)."""
    scope = flow.scope()
    roles: set[str] = set()
    city_only: set[str] = set()
    for source, rule, name in _role_transitions(type(flow)):
        if source == flow.state and (names is None or name in names):
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


def memberships_visible_to(user, memberships=None):
    """The memberships `user` may list (the API's /memberships/): all for the Board and auditors, else their
    own, their unit's and their council term's (workflows.policies.readable_memberships)."""
    from .policies import readable_memberships

    memberships = Membership.objects.all() if memberships is None else memberships
    scope = readable_memberships(user)
    if scope is None:
        return memberships
    return memberships.filter(
        Q(user_id=scope.user_id)
        | Q(unit_id__in=scope.unit_ids)
        | Q(council_term_id__in=scope.council_term_ids)
    )
