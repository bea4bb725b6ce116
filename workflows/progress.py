"""What comes next on an object's page, and its lifecycle as a picture (issue 14 item 5).

For any object with a lifecycle (workflows.lifecycle) and a viewer:

- the machine's main path of states, in order, as steps done / current / upcoming (skipped when the object's
  audit trail shows it never passed through a step before the current one). The path is derived from the
  machine: the longest simple path from the default state over the declared transitions, leaving out the
  way-out states (withdrawn, cancelled, returned, rejected, postponed), which show as side branches. A
  Lifecycle may state it with `main_path = (...)` where the derivation is wrong;
- who the next step waits on: "Đang chờ: <roles> (<names>)", the holders of the roles of the transitions out
  of the current state that are not ways out (`inbox_optional`), or "Đang chờ: bạn" when the viewer may take
  one of them now;
- every transition out of the current state, as the engine judges it for the viewer (engine.available: the
  same check() the API's transitions endpoint and perform() use), the refused ones with the engine's reason;
- the kind of the current state for its badge: draft, waiting on others, waiting on you, done, refused. A
  Lifecycle may set `state_kinds = {state: kind}`; by default a state without a way on is done, a state named
  rejected / withdrawn / cancelled / returned is refused, "draft" is a draft, any other waits (on the viewer
  when they may take its next step);
- the machine drawn as inline SVG (laid out here, no external service or binary), with the object's own path
  from its audit events highlighted and, on each state it went through, who brought it there, when (local
  time) and how many working days it stayed (workflows.calendar).

workflows knows no domain app: everything is read from the lifecycle class and the audit log.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from viewflow.fsm import State
from viewflow.utils import DEFAULT

from . import engine
from .calendar import working_days_between
from .lifecycle import InternalRule, Lifecycle, RoleRule, lifecycle_for
from .names import full_name

DRAFT, WAITING, WAITING_YOU, DONE, REFUSED = "draft", "waiting", "waiting_you", "done", "refused"
KINDS = (DRAFT, WAITING, WAITING_YOU, DONE, REFUSED)

#: States named so are refusals (their badge says so); with "postponed", they are ways out of the main path.
REFUSED_WORDS = ("rejected", "withdrawn", "cancelled", "returned")
WAY_OUT_WORDS = (*REFUSED_WORDS, "postponed")
#: At most this many names after "Đang chờ: <role>", then "và N người khác".
MAX_NAMES = 5


def kind_label(kind: str) -> str:
    return {
        DRAFT: _("Dự thảo"),
        WAITING: _("Chờ người khác xử lý"),
        WAITING_YOU: _("Chờ bạn xử lý"),
        DONE: _("Đã kết thúc"),
        REFUSED: _("Bị trả lại / dừng"),
    }[kind]


# -- the machine, read once per class ------------------------------------------------------------------------
@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    name: str
    label: str


@dataclass(frozen=True)
class Machine:
    states: tuple[str, ...]  # in the order of the states' choices
    default: str
    edges: tuple[Edge, ...]
    main_path: tuple[str, ...]

    def outgoing(self, state: str) -> list[Edge]:
        return [edge for edge in self.edges if edge.source == state]

    @property
    def finals(self) -> frozenset[str]:
        return frozenset(
            s for s in self.states if not any(e.source == s and e.target != s for e in self.edges)
        )


def _value(state) -> str:
    return str(getattr(state, "value", state))


def declared_order(lifecycle_cls: type[Lifecycle]) -> list[str]:
    """The machine's transition names in the order the lifecycle declares them (viewflow lists them A–Z)."""
    methods = lifecycle_cls.transition_methods()

    def line(name: str) -> int:
        transitions = list(methods[name].get_transitions())
        code = getattr(transitions[0].func, "__code__", None) if transitions else None
        return code.co_firstlineno if code is not None else 0

    return sorted(methods, key=line)


def _edges(lifecycle_cls: type[Lifecycle]) -> list[Edge]:
    """Every declared (source, target) of every transition, as viewflow.fsm.chart reads them: a transition
    from State.ANY leads from every other state; one without a declared target (a guard) draws nothing."""
    states = [value for value, _label in lifecycle_cls.states.choices]
    edges: list[Edge] = []
    methods = lifecycle_cls.transition_methods()
    for name in declared_order(lifecycle_cls):
        for transition in methods[name].get_transitions():
            if transition.target is DEFAULT:
                continue
            targets = [_value(target) for target in transition.declared_targets()]
            sources = states if transition.source == State.ANY else [_value(transition.source)]
            for source in sources:
                for target in targets:
                    if transition.source == State.ANY and source == target:
                        continue
                    edge = Edge(source, target, name, str(transition.label))
                    if edge not in edges:
                        edges.append(edge)
    return edges


def is_way_out(state: str) -> bool:
    return any(word in state for word in WAY_OUT_WORDS)


def _longest_path(start: str, edges: list[Edge], allowed: set[str]) -> tuple[str, ...]:
    """The longest simple path from `start` through `allowed` states (machines have a dozen states: a full
    search is instant); ties go to the transitions declared first."""
    successors: dict[str, list[str]] = {}
    for edge in edges:
        if edge.target in allowed and edge.target != edge.source:
            targets = successors.setdefault(edge.source, [])
            if edge.target not in targets:
                targets.append(edge.target)
    best: tuple[str, ...] = (start,)

    def walk(path: list[str]) -> None:
        nonlocal best
        if len(path) > len(best):
            best = tuple(path)
        for nxt in successors.get(path[-1], ()):
            if nxt not in path:
                path.append(nxt)
                walk(path)
                path.pop()

    walk([start])
    return best


@cache
def machine(lifecycle_cls: type[Lifecycle]) -> Machine:
    states = tuple(value for value, _label in lifecycle_cls.states.choices)
    slot = lifecycle_cls.__dict__["state"]
    default = _value(slot._default) if slot._default is not None else states[0]
    edges = _edges(lifecycle_cls)
    declared = getattr(lifecycle_cls, "main_path", None)
    if declared:
        main = tuple(_value(state) for state in declared)
    else:
        allowed = {state for state in states if not is_way_out(state)} | {default}
        main = _longest_path(default, edges, allowed)
    return Machine(states=states, default=default, edges=tuple(edges), main_path=main)


def state_kind(lifecycle_cls: type[Lifecycle], state: str) -> str:
    """The badge kind of a state, whoever looks at it (see waiting-on-you in progress())."""
    declared = getattr(lifecycle_cls, "state_kinds", None) or {}
    for key, kind in declared.items():
        if _value(key) == state:
            return kind
    if any(word in state for word in REFUSED_WORDS):
        return REFUSED
    if state in machine(lifecycle_cls).finals:
        return DONE
    if state == "draft":
        return DRAFT
    return WAITING


# -- the object's own path, from its audit events ----------------------------------------------------------------
@dataclass
class Visit:
    """One stay of the object in a state: who brought it there, when, and until when (None: still there)."""

    state: str
    label: str
    entered_at: datetime | None
    actor: object = None
    verb_label: str = ""
    left_at: datetime | None = None

    @property
    def who(self) -> str:
        return full_name(self.actor) if self.actor is not None else _("hệ thống")

    @property
    def when(self) -> str:
        return local_minute(self.entered_at) if self.entered_at else ""

    @property
    def working_days(self) -> int | None:
        if self.entered_at is None:
            return None
        end = self.left_at or timezone.now()
        return max(0, working_days_between(_local_date(self.entered_at), _local_date(end)))

    @property
    def days_text(self) -> str:
        days = self.working_days
        if days is None:
            return ""
        return ngettext("%(n)d ngày làm việc", "%(n)d ngày làm việc", days) % {"n": days}

    @property
    def tooltip(self) -> str:
        """who · when · N ngày làm việc"""
        return " · ".join(part for part in (self.who, self.when, self.days_text) if part)


def _local(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE))


def _local_date(moment: datetime):
    return _local(moment).date()


def local_minute(moment: datetime) -> str:
    return _local(moment).strftime("%d/%m/%Y %H:%M")


def visits(obj, lifecycle_cls: type[Lifecycle] | None = None) -> list[Visit]:
    """The states the object went through, oldest first, from its own audit events (one query); the first
    stay, in the default state, starts when the object was created (its created_at / created_by if it has
    them)."""
    from .audit import history_for
    from .history import verb_label

    lifecycle_cls = lifecycle_cls or lifecycle_for(obj)
    model = type(obj)
    transitions = lifecycle_cls.transition_methods()
    created, events = None, []
    for event in history_for(obj):
        if event.verb in transitions and event.target_state:
            events.append(event)
        elif created is None and not events and event.target_state and not event.source_state:
            created = event  # the creation's event ("dossier_create": → draft)
    first_state = (
        events[0].source_state if events and events[0].source_state else machine(lifecycle_cls).default
    )
    if created is not None:
        first = Visit(first_state, lifecycle_cls.state_label(first_state), created.created_at, created.actor)
    else:
        first = Visit(
            first_state,
            lifecycle_cls.state_label(first_state),
            getattr(obj, "created_at", None),
            getattr(obj, "created_by", None) if hasattr(obj, "created_by_id") else None,
        )
    stays = [first]
    for event in events:
        stays[-1].left_at = event.created_at
        stays.append(
            Visit(
                state=event.target_state,
                label=lifecycle_cls.state_label(event.target_state),
                entered_at=event.created_at,
                actor=event.actor,
                verb_label=verb_label(model, event.verb),
            )
        )
    return stays


# -- who the next step waits on ---------------------------------------------------------------------------
@dataclass
class Waiting:
    you: bool = False
    roles: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    more: int = 0
    final: bool = False

    @property
    def text(self) -> str:
        if self.final:
            return _("Quy trình đã kết thúc, không còn bước nào.")
        if self.you:
            return _("Đang chờ: bạn")
        if not self.roles:
            return _("Không chờ ai: bước tiếp theo chưa có người thực hiện.")
        roles = ", ".join(self.roles)
        if not self.names:
            return _("Đang chờ: %(roles)s (chưa có ai giữ vai trò này)") % {"roles": roles}
        names = ", ".join(self.names)
        if self.more:
            names = _("%(names)s và %(n)d người khác") % {"names": names, "n": self.more}
        return _("Đang chờ: %(roles)s (%(names)s)") % {"roles": roles, "names": names}


def _next_steps(flow: Lifecycle) -> list:
    """The viewflow Transitions out of the current state that are the next step (not a way out)."""
    optional = set(getattr(type(flow), "inbox_optional", ()))
    steps = []
    for name in flow.transition_methods():
        if name in optional:
            continue
        transition = flow.current_transition(name)
        if transition is not None:
            steps.append((name, transition))
    return steps


def _role_labels(roles) -> list[str]:
    from .models import Role

    return [str(Role(role).label) if role in Role.values else str(role) for role in roles]


def _holders(flow: Lifecycle, roles: tuple[str, ...]) -> list:
    """Active users holding one of `roles` today in the object's scope (or city-wide): one query."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from .models import Membership
    from .roles import active_q

    scope = flow.scope()
    in_scope = Q(unit__isnull=True, council_term__isnull=True)
    if scope.unit_id:
        in_scope |= Q(unit_id=scope.unit_id)
    if scope.council_term_id:
        in_scope |= Q(council_term_id=scope.council_term_id)
    members = Membership.objects.filter(active_q(timezone.localdate())).filter(Q(role__in=roles) & in_scope)
    return list(get_user_model().objects.filter(pk__in=members.values("user_id"), is_active=True))


def waiting_on(flow: Lifecycle, checks: dict, cache: dict | None = None, *, exact: bool = True) -> Waiting:
    """Who the next step waits on. A role rule's step waits on the holders of its roles in the object's
    scope (selectors.users_who_can_act); a named policy's step (workflows.policies: e.g. only the Board
    officer assigned to a dossier) on the holders of the roles it admits whom the policy allows on this
    object (`exact`; without it, on every holder: a page listing many objects asks no question per object);
    a step only another step triggers (InternalRule) on what its rule describes. `cache` (one per page)
    keeps one query per state and scope on a page that shows many objects of one machine."""
    from .selectors import users_who_can_act

    state = flow.state
    if state in machine(type(flow)).finals:
        return Waiting(final=True)
    steps = _next_steps(flow)
    if any(checks[name].allowed for name, _transition in steps if name in checks):
        return Waiting(you=True)
    roles: list[str] = []
    rule_steps: list[str] = []
    policies: list = []
    for name, transition in steps:
        rule = transition.permission
        if isinstance(rule, InternalRule):
            labels = [str(rule.describe())]
        elif isinstance(rule, RoleRule):
            rule_steps.append(name)
            labels = _role_labels(rule.roles)
        elif getattr(rule, "roles", None) and callable(rule):  # a policy of the permission layer
            policies.append(rule)
            labels = _role_labels(rule.roles)
        else:
            labels = [str(getattr(rule, "description", "") or transition.label)]
        roles += [label for label in labels if label not in roles]
    scope = flow.scope()
    key = (type(flow), state, scope.unit_id, scope.council_term_id, tuple(rule_steps))
    if cache is not None and key in cache:
        users = cache[key]
    else:
        users = users_who_can_act(flow, names=rule_steps) if rule_steps else []
        if cache is not None:
            cache[key] = users
    users = list(users)
    for rule in policies:
        policy_key = (type(flow), state, scope.unit_id, scope.council_term_id, rule)
        if cache is not None and policy_key in cache:
            candidates = cache[policy_key]
        else:
            candidates = _holders(flow, tuple(rule.roles))
            if cache is not None:
                cache[policy_key] = candidates
        if exact:
            candidates = [user for user in candidates if rule(user, flow.obj)]
        users += candidates
    seen: set = set()
    people = sorted(full_name(u) for u in users if not (u.pk in seen or seen.add(u.pk)))  # one per person
    return Waiting(roles=roles, names=people[:MAX_NAMES], more=max(0, len(people) - MAX_NAMES))


# -- the whole panel ------------------------------------------------------------------------------------------
@dataclass
class Step:
    state: str
    label: str
    status: str  # done, current, upcoming, skipped
    side: bool = False  # a way out of the main path (the object is there now)

    @property
    def status_label(self) -> str:
        return {
            "done": _("đã qua"),
            "current": _("bước hiện tại"),
            "upcoming": _("sắp tới"),
            "skipped": _("không qua bước này"),
        }[self.status]


@dataclass
class Progress:
    obj: object
    lifecycle_cls: type[Lifecycle]
    state: str
    state_label: str
    kind: str
    steps: list[Step]
    waiting: Waiting
    checks: list  # engine.Check for every transition out of the current state
    stays: list[Visit] | None  # None: the viewer may not read the object's history

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def allowed(self) -> list:
        return [check for check in self.checks if check.allowed]

    @property
    def refused(self) -> list:
        return [check for check in self.checks if not check.allowed]

    def diagram(self) -> SafeString:
        return diagram(
            self.lifecycle_cls, self.state, self.stays, uid=f"{self.obj._meta.model_name}-{self.obj.pk}"
        )


def _steps(lifecycle_cls: type[Lifecycle], state: str, stays: list[Visit] | None) -> list[Step]:
    main = machine(lifecycle_cls).main_path
    visited = {stay.state for stay in stays} if stays else None
    label = lifecycle_cls.state_label
    if state in main:
        at = main.index(state)
        side = None
    else:  # on a side branch: after the last main step it went through (or, unknown, the one it came from)
        at = None
        if stays:
            for stay in reversed(stays):
                if stay.state in main:
                    at = main.index(stay.state)
                    break
        if at is None:
            sources = [edge.source for edge in machine(lifecycle_cls).edges if edge.target == state]
            at = max((main.index(s) for s in sources if s in main), default=0)
        side = Step(state, label(state), "current", side=True)
    steps = []
    for index, value in enumerate(main):
        if side is None and index == at:
            status = "current"
        elif index < at or (side is not None and index == at):
            status = "skipped" if visited is not None and value not in visited else "done"
        else:
            status = "upcoming"
        steps.append(Step(value, label(value), status))
        if side is not None and index == at:
            steps.append(side)
    return steps


def progress(
    obj, user, *, with_history: bool | None = None, cache: dict | None = None, exact: bool = True
) -> Progress:
    """The panel's content for `obj` as `user` sees it. The audit trail is read (one query) only when the
    viewer may read the object's history (with_history=None asks workflows.policies); `exact` asks a
    named policy about each person it may wait on (see waiting_on)."""
    lifecycle_cls = lifecycle_for(obj)
    flow = lifecycle_cls(obj)
    state = _value(flow.state)
    checks = [
        check for check in engine.available(obj, user) if flow.current_transition(check.name) is not None
    ]
    optional = set(getattr(lifecycle_cls, "inbox_optional", ()))
    order = declared_order(lifecycle_cls)

    def next_steps_first(check) -> tuple:
        targets = flow.current_transition(check.name).declared_targets()
        way_out = bool(targets) and all(is_way_out(_value(target)) for target in targets)
        return (check.name in optional, way_out, order.index(check.name))

    checks.sort(key=next_steps_first)
    if with_history is None:
        from .policies import may_read_history as can_read_history

        with_history = can_read_history(user, obj)
    stays = visits(obj, lifecycle_cls) if with_history else None
    waiting = waiting_on(flow, {check.name: check for check in checks}, cache, exact=exact)
    kind = state_kind(lifecycle_cls, state)
    if waiting.you and kind != DONE:
        kind = WAITING_YOU
    return Progress(
        obj=obj,
        lifecycle_cls=lifecycle_cls,
        state=state,
        state_label=lifecycle_cls.state_label(state),
        kind=kind,
        steps=_steps(lifecycle_cls, state, stays),
        waiting=waiting,
        checks=checks,
        stays=stays,
    )


# -- the diagram ------------------------------------------------------------------------------------------------
LEFT = 150  # room for the arcs of the steps that skip ahead or go back along the main column
TOP = 16
MAIN_W, SIDE_W, GAP = 230, 200, 130
BOX_H, ROW_H = 46, 80
CHAR_W = 7.0  # average width of a 13 px character, to wrap the labels
EDGE_CHAR_W = 6.0  # of an 11 px one


def _wrap(text: str, width: float, lines: int = 2, char_w: float = CHAR_W) -> list[str]:
    per_line = max(6, int((width - 16) / char_w))
    words, rows, current = text.split(), [], ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if len(candidate) <= per_line or not current:
            current = candidate
        else:
            rows.append(current)
            current = word
    if current:
        rows.append(current)
    if len(rows) > lines:
        rows = rows[: lines - 1] + [" ".join(rows[lines - 1 :])[: per_line - 1] + "…"]
    return rows


def _layout(m: Machine) -> dict[str, tuple[int, int]]:
    """(row, column) of every state: the main path down column 0, each side state beside the first state that
    leads to it (further right when it is reached only from a side state), on the next free row."""
    cells: dict[str, tuple[int, int]] = {state: (index, 0) for index, state in enumerate(m.main_path)}
    taken = set(cells.values())
    pending = deque(state for state in m.states if state not in cells)
    stalled = 0
    while pending and stalled <= len(pending):
        state = pending.popleft()
        sources = [cells[e.source] for e in m.edges if e.target == state and e.source in cells]
        if not sources:
            pending.append(state)
            stalled += 1
            continue
        stalled = 0
        row, column = min(sources)
        column += 1
        while (row, column) in taken:
            row += 1
        cells[state] = (row, column)
        taken.add((row, column))
    last = max((row for row, _c in cells.values()), default=0)
    for extra, state in enumerate(pending, start=1):  # unreachable from the default state: listed below
        cells[state] = (last + extra, 1)
    return cells


def _box(cell: tuple[int, int]) -> tuple[float, float, float, float]:
    row, column = cell
    if column == 0:
        return LEFT, TOP + row * ROW_H, MAIN_W, BOX_H
    x = LEFT + MAIN_W + GAP + (column - 1) * (SIDE_W + GAP)
    return x, TOP + row * ROW_H, SIDE_W, BOX_H


def _border_point(box, toward: tuple[float, float]) -> tuple[float, float]:
    """Where the line from the box's centre to `toward` leaves the box."""
    x, y, w, h = box
    cx, cy = x + w / 2, y + h / 2
    dx, dy = toward[0] - cx, toward[1] - cy
    if dx == 0 and dy == 0:
        return cx, cy
    scale = min((w / 2) / abs(dx) if dx else math.inf, (h / 2) / abs(dy) if dy else math.inf)
    return cx + dx * scale, cy + dy * scale


def _edge_label(text: str, x: float, y: float, anchor: str, room: float, upward: bool) -> str:
    """A transition's label, wrapped to the room beside its arrow (lines stacked away from the arrow)."""
    per_line = max(6, int(room / EDGE_CHAR_W))
    lines = _wrap(text, per_line * EDGE_CHAR_W + 16, lines=3, char_w=EDGE_CHAR_W)
    first = y - 13 * (len(lines) - 1) if upward else y
    spans = "".join(
        f'<tspan x="{_fmt(x)}" y="{_fmt(first + 13 * index)}">{escape(line)}</tspan>'
        for index, line in enumerate(lines)
    )
    return f'<text class="lc-edge-label" text-anchor="{anchor}">{spans}</text>'


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def diagram(
    lifecycle_cls: type[Lifecycle], current: str, stays: list[Visit] | None, uid: str = ""
) -> SafeString:
    """The machine as an inline SVG: boxes with the state labels, arrows with the transition labels, the main
    path down the left, the ways out beside it; the object's own path (`stays`) highlighted, each state it went
    through with a <title> "who · when · N ngày làm việc"."""
    m = machine(lifecycle_cls)
    cells = _layout(m)
    uid = "".join(ch if ch.isalnum() else "-" for ch in (uid or lifecycle_cls.__name__))
    stays = stays or []
    visited = {stay.state for stay in stays}
    taken = {(a.state, b.state) for a, b in zip(stays, stays[1:], strict=False)}
    if not stays:
        visited = {current}
    rows = max(row for row, _c in cells.values()) + 1
    columns = max(column for _r, column in cells.values())
    width = LEFT + MAIN_W + (GAP + SIDE_W) * columns + 20
    height = TOP + rows * ROW_H
    parts: list[str] = []
    path_text = " → ".join(stay.label for stay in stays) if stays else lifecycle_cls.state_label(current)
    parts.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="lifecycle-svg" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="lc-title-{uid} lc-desc-{uid}">'
        f'<title id="lc-title-{uid}">{escape(_("Sơ đồ quy trình"))}</title>'
        f'<desc id="lc-desc-{uid}">{escape(_("Trạng thái hiện tại: %(state)s. Đã đi qua: %(path)s.") % {"state": lifecycle_cls.state_label(current), "path": path_text})}</desc>'
        "<defs>"
        f'<marker id="lc-arrow-{uid}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="lc-head"/></marker>'
        f'<marker id="lc-arrow-taken-{uid}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="lc-head-taken"/></marker>'
        "</defs>"
    )
    pairs = {(edge.source, edge.target) for edge in m.edges}
    labelled: set[tuple[str, str]] = set()
    edge_parts: list[str] = []
    for edge in m.edges:
        if edge.source == edge.target:  # a step that stays in its state (re-draft the minutes): on its box
            continue
        source_cell, target_cell = cells[edge.source], cells[edge.target]
        sb, tb = _box(source_cell), _box(target_cell)
        is_taken = (edge.source, edge.target) in taken
        css = "lc-edge lc-taken" if is_taken else "lc-edge"
        marker = f"lc-arrow-taken-{uid}" if is_taken else f"lc-arrow-{uid}"
        show_label = (edge.name, edge.target) not in labelled
        labelled.add((edge.name, edge.target))
        label_svg = ""
        if source_cell[1] == 0 and target_cell[1] == 0:
            span = target_cell[0] - source_cell[0]
            if span == 1:
                x = sb[0] + sb[2] / 2
                y1, y2 = sb[1] + sb[3], tb[1]
                d = f"M{_fmt(x)},{_fmt(y1)} L{_fmt(x)},{_fmt(y2)}"
                lx, ly, anchor = x + 8, (y1 + y2) / 2 + 4, "start"
                room, upward = MAIN_W, False
            else:
                x = sb[0]
                y1, y2 = sb[1] + sb[3] / 2, tb[1] + tb[3] / 2
                bend = x - 28 - 14 * min(abs(span), 8)
                d = f"M{_fmt(x)},{_fmt(y1)} C{_fmt(bend)},{_fmt(y1)} {_fmt(bend)},{_fmt(y2)} {_fmt(x)},{_fmt(y2)}"
                lx, ly, anchor = bend + 0.25 * (x - bend) - 4, (y1 + y2) / 2 + 4, "end"
                room, upward = lx - 4, False
        else:
            centre_s = (sb[0] + sb[2] / 2, sb[1] + sb[3] / 2)
            centre_t = (tb[0] + tb[2] / 2, tb[1] + tb[3] / 2)
            x1, y1 = _border_point(sb, centre_t)
            x2, y2 = _border_point(tb, centre_s)
            if (edge.target, edge.source) in pairs:  # both ways between two boxes: side by side
                length = math.hypot(x2 - x1, y2 - y1) or 1
                ox, oy = -(y2 - y1) / length * 6, (x2 - x1) / length * 6
                x1, y1, x2, y2 = x1 + ox, y1 + oy, x2 + ox, y2 + oy
            d = f"M{_fmt(x1)},{_fmt(y1)} L{_fmt(x2)},{_fmt(y2)}"
            lx, ly, anchor = (x1 + x2) / 2, (y1 + y2) / 2 - 4, "middle"
            room, upward = (GAP - 8 if abs(y2 - y1) < 1 else SIDE_W), True
            if abs(y2 - y1) < 1 and (edge.target, edge.source) in pairs and x2 < x1:
                ly, upward = ly + 20, False  # the way back under the way there
        if show_label:
            label_svg = _edge_label(edge.label, lx, ly, anchor, room, upward)
        edge_parts.append(
            f'<g class="{css}" data-transition="{escape(edge.name)}"><title>{escape(edge.label)}</title>'
            f'<path d="{d}" fill="none" marker-end="url(#{marker})"/>{label_svg}</g>'
        )
    parts.extend(edge_parts)
    stays_by_state: dict[str, list[Visit]] = {}
    for stay in stays:
        stays_by_state.setdefault(stay.state, []).append(stay)
    for state in m.states:
        x, y, w, h = _box(cells[state])
        kind = state_kind(lifecycle_cls, state)
        classes = ["lc-state", f"lc-kind-{kind}"]
        if state in visited:
            classes.append("lc-visited")
        if state == current:
            classes.append("lc-current")
        label = lifecycle_cls.state_label(state)
        tips = [label] + [stay.tooltip for stay in stays_by_state.get(state, [])]
        if state == current:
            tips.append(_("(trạng thái hiện tại)"))
        lines = _wrap(label, w)
        first_y = y + h / 2 - (len(lines) - 1) * 8 + 5
        text = "".join(
            f'<tspan x="{_fmt(x + w / 2)}" y="{_fmt(first_y + 16 * index)}">{escape(line)}</tspan>'
            for index, line in enumerate(lines)
        )
        parts.append(
            f'<g class="{" ".join(classes)}" data-state="{escape(state)}"><title>{escape(chr(10).join(tips))}</title>'
            f'<rect x="{_fmt(x)}" y="{_fmt(y)}" width="{w}" height="{h}" rx="8"/>'
            f'<text class="lc-state-label" text-anchor="middle">{text}</text></g>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label above went through escape()
