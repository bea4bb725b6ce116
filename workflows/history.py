"""An object's history as people read it: what was done (the transition's label or a registered verb label),
by whom, from which state to which, when (local time to the second), and what it concerned.

workflows knows no domain app, so the apps fill two registries at start-up (their `audit_labels` module,
imported by their AppConfig.ready()):

    verbs.register("dossiers",
                   verbs={"document_upload": _("Tải lên tài liệu")},
                   details={"line": Detail(_("Đối tượng"), model="dossiers.DossierNominee")})

- a verb's label: the transition's own label when the verb is a transition of the subject's lifecycle, else
  the label registered for (the subject's app, verb), else for ("", verb) (workflows' own verbs), else the
  raw verb (never an error: an old event with a verb no code uses any more still shows);
- a data key's label and how to show its value (a model's pk → that object, a username or user id → the
  person's name, a choices value → its label). Only registered keys are shown as "what the event concerns";
  unregistered keys (hashes, sizes, ballot-free internals) stay in the JSON/CSV exports, which keep every raw
  code. A key that would reveal a ballot choice is never registered (tests/workflows/test_history_labels.py).

A lifecycle may name the parts of its object whose events belong to its history (`history_parts()`, e.g. a
dossier's lines): their events are listed with the object's own, marked with the part they concern.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from .lifecycle import lifecycle_for
from .models import AuditEvent, Role
from .names import full_name


@dataclass(frozen=True)
class Detail:
    """How to show one key of an event's data: its label, and what its value is (a model's pk, a user given by
    username or id, a value of `choices`), or plain text."""

    label: str
    model: str | None = None
    lookup: str = "pk"
    user: bool = False
    choices: type[models.Choices] | dict | None = None


_VERBS: dict[tuple[str, str], str] = {}
_DETAILS: dict[tuple[str, str], Detail] = {}


def register(app_label: str, *, verbs: dict | None = None, details: dict | None = None) -> None:
    """Labels for the verbs an app records and the data keys it writes (app_label "" for workflows' own)."""
    for verb, label in (verbs or {}).items():
        _VERBS[(app_label, verb)] = label
    for key, detail in (details or {}).items():
        _DETAILS[(app_label, key)] = detail if isinstance(detail, Detail) else Detail(detail)


def registered_verbs() -> set[tuple[str, str]]:
    return set(_VERBS)


def _lifecycle(model):
    try:
        return lifecycle_for(model)
    except LookupError:
        return None


def transition_labels(lifecycle_cls) -> dict[str, str]:
    labels = {}
    for name, method in lifecycle_cls.transition_methods().items():
        transitions = list(method.get_transitions())
        labels[name] = str(transitions[0].label) if transitions else name
    return labels


def verb_label(model, verb: str) -> str:
    """The Vietnamese label of `verb` recorded on an object of `model` (the raw verb if none is known)."""
    lifecycle_cls = _lifecycle(model) if model is not None else None
    if lifecycle_cls is not None:
        label = transition_labels(lifecycle_cls).get(verb)
        if label is not None:
            return label
    app_label = model._meta.app_label if model is not None else ""
    label = _VERBS.get((app_label, verb)) or _VERBS.get(("", verb))
    return str(label) if label is not None else verb


def state_label(model, value: str) -> str:
    if not value:
        return ""
    lifecycle_cls = _lifecycle(model) if model is not None else None
    return lifecycle_cls.state_label(value) if lifecycle_cls is not None else value


def role_label(role: str) -> str:
    if role in Role.values:
        return str(Role(role).label)
    return _("Hệ thống") if role == "system" else role


def local_time(moment) -> str:
    """dd/mm/yyyy HH:MM:SS in the product's time zone (Asia/Ho_Chi_Minh), whatever the request's zone."""
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).strftime("%d/%m/%Y %H:%M:%S")


def _detail(app_label: str, key: str) -> Detail | None:
    return _DETAILS.get((app_label, key)) or _DETAILS.get(("", key))


class _Resolver:
    """Turns stored references into text, one query per object at most per page."""

    def __init__(self):
        self.cache: dict = {}

    def user(self, value) -> str:
        from django.contrib.auth import get_user_model

        key = ("user", value)
        if key not in self.cache:
            users = get_user_model()._default_manager
            lookup = {"pk": value} if isinstance(value, int) else {users.model.USERNAME_FIELD: value}
            found = users.filter(**lookup).first()
            self.cache[key] = full_name(found) if found is not None else str(value)
        return self.cache[key]

    def obj(self, label: str, value, lookup: str = "pk") -> str:
        key = (label, lookup, value)
        if key not in self.cache:
            try:
                found = apps.get_model(label)._default_manager.filter(**{lookup: value}).first()
            except (LookupError, ValueError, TypeError, ValidationError):
                found = None
            self.cache[key] = str(found) if found is not None else f"#{value}"
        return self.cache[key]


def _choice_label(choices, value) -> str:
    mapping = dict(choices.choices) if isinstance(choices, type) else dict(choices)
    return str(mapping.get(value, value))


def _show(detail: Detail, value, resolver: _Resolver) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(_show(detail, inner, resolver) for inner in value)
    if isinstance(value, bool):
        return _("có") if value else _("không")
    if detail.user:
        return resolver.user(value)
    if detail.model:
        return resolver.obj(detail.model, value, detail.lookup)
    if detail.choices is not None:
        return _choice_label(detail.choices, value)
    return str(value)


def concerns(app_label: str, data: dict, resolver: _Resolver | None = None) -> list[tuple[str, str]]:
    """(label, text) for each registered key of an event's data: which document, nominee, member, item…"""
    resolver = resolver or _Resolver()
    shown = []
    for key, value in (data or {}).items():
        if key in ("changes", "input"):
            continue
        detail = _detail(app_label, key)
        if detail is None or isinstance(value, dict) or value is None or value == "":
            continue
        shown.append((str(detail.label), _show(detail, value, resolver)))
    return shown


def _field(models_: Iterable, key: str):
    for model in models_:
        try:
            return model._meta.get_field(key)
        except FieldDoesNotExist:
            continue
    return None


def _field_value(model_field, value) -> str:
    if value is None or value == "":
        return "—"
    if model_field is not None and model_field.choices:
        return _choice_label(dict(model_field.flatchoices), value)
    if isinstance(model_field, models.DateTimeField) and isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            return local_time(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    elif isinstance(model_field, models.DateField) and isinstance(value, str):
        day = parse_date(value[:10])
        if day is not None:
            return day.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return _("có") if value else _("không")
    return str(value)


def field_label(model, key: str) -> str:
    """A model field's verbose name for a data key (the key itself when it is no field of `model`)."""
    model_field = _field([model], key) if model is not None else None
    return str(model_field.verbose_name) if model_field is not None else key


def changes(model, data: dict, resolver: _Resolver | None = None) -> list[tuple[str, str, str]]:
    """(field label, before, after) for a {"field": [before, after]} change set; a list of changed rows
    (e.g. an attendance roster) gives one line per row with its registered keys."""
    resolver = resolver or _Resolver()
    recorded = (data or {}).get("changes")
    app_label = model._meta.app_label if model is not None else ""
    candidates = [model] if model is not None else []
    for key, value in (data or {}).items():  # the changes may be of a part the data names (a dossier's line)
        detail = _detail(app_label, key)
        if detail is not None and detail.model and not isinstance(value, list | dict):
            try:
                candidates.append(apps.get_model(detail.model))
            except LookupError:
                pass
    rows = []
    if isinstance(recorded, dict):
        for key, pair in recorded.items():
            model_field = _field(candidates, key)
            label = str(model_field.verbose_name) if model_field is not None else key
            before, after = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
            rows.append((label, _field_value(model_field, before), _field_value(model_field, after)))
    elif isinstance(recorded, list):
        for entry in recorded:
            if isinstance(entry, dict):
                text = "; ".join(f"{label}: {shown}" for label, shown in concerns(app_label, entry, resolver))
                rows.append((text, "", ""))
    return rows


@dataclass
class HistoryRow:
    event: AuditEvent
    verb_label: str
    source_label: str
    target_label: str
    role_label: str
    at: str
    #: the part of the object the event was recorded on (a dossier's line), "" for the object itself
    part: str = ""
    part_kind: str = ""
    concerns: list = field(default_factory=list)
    changes: list = field(default_factory=list)


def history_parts(subject) -> list[models.Model]:
    lifecycle_cls = _lifecycle(type(subject))
    if lifecycle_cls is None:
        return []
    return list(lifecycle_cls(subject).history_parts())


def history_events(subject):
    """The subject's audit events and those of its parts (history_parts), oldest first: in id order, which for
    one subject is the order its events were committed in (each is written under the subject's row lock; the
    log's chains number their events apart, so sequences of two chains do not compare)."""
    content_type = ContentType.objects.get_for_model(subject, for_concrete_model=False)
    where = Q(subject_type=content_type, subject_id=str(subject.pk))
    by_type: dict = {}
    for part in history_parts(subject):
        part_type = ContentType.objects.get_for_model(part, for_concrete_model=False)
        by_type.setdefault(part_type, []).append(str(part.pk))
    for part_type, ids in by_type.items():
        where |= Q(subject_type=part_type, subject_id__in=ids)
    return (
        AuditEvent.objects.filter(where)
        .select_related("actor", "on_behalf_of", "subject_type")
        .order_by("id")
    )


def describe(events, subject=None) -> list[HistoryRow]:
    """One HistoryRow per event, labelled; events of another object than `subject` are marked as its part."""
    resolver = _Resolver()
    own_type = ContentType.objects.get_for_model(subject, for_concrete_model=False) if subject else None
    parts = {}
    if subject is not None:
        for part in history_parts(subject):
            part_type = ContentType.objects.get_for_model(part, for_concrete_model=False)
            parts[(part_type.pk, str(part.pk))] = part
    rows = []
    for event in events:
        model = ContentType.objects.get_for_id(event.subject_type_id).model_class()
        row = HistoryRow(
            event=event,
            verb_label=verb_label(model, event.verb),
            source_label=state_label(model, event.source_state),
            target_label=state_label(model, event.target_state),
            role_label=role_label(event.role),
            at=local_time(event.created_at),
            concerns=concerns(model._meta.app_label if model else "", event.data, resolver),
            changes=changes(model, event.data, resolver),
        )
        if own_type is not None and (event.subject_type_id, event.subject_id) != (
            own_type.pk,
            str(subject.pk),
        ):
            part = parts.get((event.subject_type_id, event.subject_id))
            row.part = str(part) if part is not None else f"#{event.subject_id}"
            row.part_kind = str(model._meta.verbose_name) if model else ""
        rows.append(row)
    return rows
