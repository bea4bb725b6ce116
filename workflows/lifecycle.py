"""Base for every state machine: a viewflow.fsm class wrapping one model instance.

A subclass declares its model, its states (TextChoices), a `state = State(...)` slot and transitions:

    class ActivityLifecycle(Lifecycle):
        model = Activity
        states = ActivityState
        state = State(ActivityState, default=ActivityState.PLANNED)

        def scope(self):
            return Scope(unit_id=self.obj.lead_unit_id)

        @state.transition(source=ActivityState.PLANNED, target=ActivityState.IN_PROGRESS,
                          label=_("Bắt đầu"), permission=allowed(Role.BOARD_OFFICER))
        def start(self, *, cleaned_data, actor):
            ...

The engine (workflows.engine.perform) is the only caller of these transitions.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.fsm import State

from .policies import Decision, allow, by_role, deny, may_view_object
from .registry import REGISTRY, lifecycle_for  # noqa: F401  (lifecycle_for: re-exported, its old home)
from .roles import CITY, Authority, Scope


class RoleRule:
    """A transition permission: the user must hold one of `roles` in the object's scope today.

    `scope` picks which part of the object's scope the role is checked against: "object" (the lifecycle's
    scope()), or "city" (a city-wide role is required, e.g. the city chairman).
    """

    def __init__(self, *roles: str, scope: str = "object"):
        self.roles = tuple(roles)
        self.scope = scope

    def decide(self, flow: Lifecycle, user) -> Decision:
        """The permission layer's answer (workflows.policies.by_role) for this transition on `flow.obj`."""
        city = self.scope == "city"
        return by_role(user, self.roles, CITY if city else flow.scope(), city_only=city)

    def authority(self, flow: Lifecycle, user) -> Authority | None:
        return self.decide(flow, user).authority

    def __call__(self, flow: Lifecycle, user) -> bool:
        return self.authority(flow, user) is not None

    def describe(self) -> str:
        from .models import Role

        return ", ".join(str(Role(role).label) for role in self.roles)


def allowed(*roles: str, scope: str = "object") -> RoleRule:
    return RoleRule(*roles, scope=scope)


# -- system-only steps ----------------------------------------------------------------------------------
_internal_step: ContextVar[tuple | None] = ContextVar("workflows_internal_step", default=None)


@contextmanager
def internal_step(obj, *, role: str, on_behalf_of_id: int | None = None, payload=None):
    """Let a step that only another step (or a service) may trigger run on `obj`, in `role`, carrying `payload`
    (e.g. a council tally) that no form can supply. Its transition declares `permission=InternalRule(...)`:
    no user holds that permission directly, so the engine allows the step only inside this context."""
    token = _internal_step.set((type(obj), obj.pk, role, on_behalf_of_id, payload))
    try:
        yield
    finally:
        _internal_step.reset(token)


@contextmanager
def internal_steps(objs, *, role: str, on_behalf_of_id: int | None = None, payload=None):
    """internal_step for many objects of one model at once (engine.perform_many inside another step)."""
    objs = list(objs)
    model = type(objs[0]) if objs else None
    token = _internal_step.set((model, frozenset(obj.pk for obj in objs), role, on_behalf_of_id, payload))
    try:
        yield
    finally:
        _internal_step.reset(token)


def _step_covers(step, obj) -> bool:
    if not step or step[0] is not type(obj):
        return False
    return obj.pk in step[1] if isinstance(step[1], frozenset) else step[1] == obj.pk


def internal_payload(obj):
    step = _internal_step.get()
    if _step_covers(step, obj):
        return step[4]
    return None


class InternalRule(RoleRule):
    """A permission no user holds directly: the step runs only inside another step (see internal_step)."""

    def __init__(self, description: str):
        super().__init__()
        self.description = description

    def decide(self, flow, user) -> Decision:
        step = _internal_step.get()
        if _step_covers(step, flow.obj):
            return allow(Authority(role=step[2], unit_id=None, council_term_id=None, on_behalf_of_id=step[3]))
        return deny(self.describe())

    def describe(self) -> str:
        return str(self.description)


class TransitionForm(forms.Form):
    """Input every transition accepts; subclasses add fields. Used by the web UI and the API alike."""

    comment_required = False

    comment = forms.CharField(
        label=_("Ghi chú / lý do"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.comment_required:
            self.fields["comment"].required = True
            self.fields["comment"].label = _("Lý do")


class ReasonForm(TransitionForm):
    comment_required = True


@dataclass(frozen=True)
class TransitionInfo:
    name: str
    label: str
    source: str
    target: str


class Lifecycle:
    model: type[models.Model]
    states: type[models.TextChoices]
    state_field: str = "state"
    state: State
    #: ORM paths from the model to its unit and council term ("lead_unit", "session__term"); None if n/a.
    unit_path: str | None = None
    council_term_path: str | None = None
    #: The task inbox (workflows.selectors.inbox) lists an object while a user may perform one of its
    #: transitions, except the `inbox_optional` ones (ways out such as withdraw or cancel); `inbox_hidden`
    #: keeps a machine out of it. Rows are ordered by `inbox_deadline_field` (working days left shown, no
    #: deadline last) or `inbox_ordering`; objects in `inbox_urgent_states` come first. A machine with
    #: `inbox_due_field` and `inbox_horizon_days` is listed apart, only what is due within the horizon.
    inbox_hidden: bool = False
    inbox_select_related: tuple[str, ...] = ()
    inbox_ordering: tuple = ("pk",)
    inbox_deadline_field: str | None = None
    inbox_urgent_states: tuple[str, ...] = ()
    inbox_optional: tuple[str, ...] = ()
    inbox_conditions: dict = {}  # {transition name: () -> Q}: the objects on which it can run now
    inbox_due_field: str | None = None
    inbox_horizon_days: int | None = None

    def __init__(self, obj: models.Model):
        self.obj = obj

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        slot = cls.__dict__.get("state")
        if not isinstance(slot, State):
            return
        field_name = cls.state_field

        def get_state(flow):
            return getattr(flow.obj, field_name)

        def set_state(flow, value):
            field = flow.obj._meta.get_field(field_name)
            state_slot = getattr(field, "_state", None)
            if state_slot is not None:  # an FSMField(protected=True): write through its own slot
                state_slot.set(flow.obj, value)
            else:
                setattr(flow.obj, field_name, value)

        slot._getter = get_state
        slot._setter = set_state
        if getattr(cls, "model", None) is not None:
            REGISTRY[cls.model] = cls

    # -- what subclasses provide ------------------------------------------------------------------------
    def scope(self) -> Scope:
        """The unit / council term the object belongs to, for role checks (read through the paths above)."""
        return Scope(
            unit_id=_follow(self.obj, self.unit_path),
            council_term_id=_follow(self.obj, self.council_term_path),
        )

    #: Events that move no state but are notified too (recipients() says to whom); transitions always are.
    notified_verbs: frozenset[str] = frozenset()

    def recipients(self, event) -> list:
        """Users to notify after `event` committed: by default, whoever can act next."""
        from .selectors import users_who_can_act

        return users_who_can_act(self)

    def notification_details(self, event) -> str:
        """What the notification of `event` says beyond "<object>: <new state> · <who>"; nothing by default."""
        return ""

    def history_parts(self):
        """Objects whose audit events belong to this object's history too (a dossier's lines); none by default."""
        return ()

    # -- introspection ----------------------------------------------------------------------------------
    @classmethod
    def transition_methods(cls) -> dict:
        """{name: TransitionMethod} for every transition the machine declares (built once per class)."""
        methods = cls.__dict__.get("_transition_methods")
        if methods is None:
            methods = {
                method.slug: method for method in cls.__dict__["state"].__get__(None, cls).get_transitions()
            }
            cls._transition_methods = methods
        return methods

    @classmethod
    def form_class(cls, name: str) -> type[TransitionForm]:
        for transition in cls.transition_methods()[name].get_transitions():
            form = transition.custom.get("form")
            if form is not None:
                return form
        return TransitionForm

    @classmethod
    def confirmation(cls, name: str):
        """The transition's `custom={"confirm": fn}`: fn(obj, cleaned_data) -> the consequence, in words, that
        the web form states and asks to confirm before an irreversible step (None: no confirmation page). The
        API performs in one call: its clients are programs that already chose to act."""
        for transition in cls.transition_methods()[name].get_transitions():
            confirm = transition.custom.get("confirm")
            if confirm is not None:
                return confirm
        return None

    @classmethod
    def form_initial(cls, name: str, obj) -> dict:
        """The transition's `custom={"initial": fn}`: fn(obj) -> the values its web form starts with (what the
        record already says, e.g. the planned date a convening confirms); {} without one."""
        for transition in cls.transition_methods()[name].get_transitions():
            initial = transition.custom.get("initial")
            if initial is not None:
                return initial(obj)
        return {}

    @classmethod
    def state_label(cls, value: str) -> str:
        try:
            return str(cls.states(value).label)
        except ValueError:
            return value

    def current_transition(self, name: str):
        """The viewflow Transition for `name` from the current state, or None."""
        method = self.transition_methods().get(name)
        if method is None:
            return None
        return method._descriptor.get_transition(self.state)

    def transition_label(self, name: str) -> str:
        method = self.transition_methods()[name]
        transitions = list(method.get_transitions())
        return str(transitions[0].label) if transitions else name


def _follow(obj, path: str | None):
    """Follow "a__b" from obj and return b's primary key (None if any step is empty)."""
    if not path:
        return None
    *steps, last = path.split("__")
    for step in steps:
        obj = getattr(obj, step)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id")


def visible_to(user, obj) -> bool:
    """Whether `user` may see `obj` (an object with a lifecycle): the permission layer's may_view_object."""
    return bool(may_view_object(user, obj))
