"""A transition's input as JSON Schema, generated from the same form class the web renders (Lifecycle.form_class).

`GET …/transitions/` gives each transition's `input` schema in the caller's language (titles are the form's
labels, descriptions its help texts, choices listed with their labels); the OpenAPI schema documents the POST
body of `…/transitions/<name>/` as one such schema per transition (workflows.api.TransitionInputSchema).
"""

from __future__ import annotations

from django import forms
from django.core import validators

from .lifecycle import Lifecycle


def _bounds(field) -> dict:
    schema = {}
    for validator in field.validators:
        if isinstance(validator, validators.MinValueValidator):
            schema["minimum"] = validator.limit_value
        elif isinstance(validator, validators.MaxValueValidator):
            schema["maximum"] = validator.limit_value
        elif isinstance(validator, validators.MaxLengthValidator):
            schema["maxLength"] = validator.limit_value
        elif isinstance(validator, validators.MinLengthValidator):
            schema["minLength"] = validator.limit_value
    return {key: value for key, value in schema.items() if not callable(value)}


def _choices(field, with_choices: bool) -> list[tuple]:
    if not with_choices:
        return []
    rows = []
    for value, label in field.choices:
        if value in ("", None):
            continue
        if isinstance(label, list | tuple):  # an option group
            rows.extend((inner, inner_label) for inner, inner_label in label)
            continue
        value = getattr(value, "value", value)  # ModelChoiceIteratorValue
        rows.append((value, str(label)))
    return rows


def _enum(schema: dict, rows: list[tuple]) -> dict:
    if rows:
        schema["enum"] = [value for value, _label in rows]
        schema["oneOf"] = [
            {"enum": [value], "title": label} for value, label in rows
        ]  # OpenAPI 3.0 has no const
    return schema


def field_schema(field: forms.Field, *, with_choices: bool = True) -> dict:
    """One form field as JSON Schema (type, format, bounds, choices with their labels, title, description)."""
    own = getattr(field, "json_schema", None)  # a field that states its own (workflows.forms.IdListField)
    if own is not None:
        schema = dict(own)
    elif isinstance(field, forms.ModelMultipleChoiceField):
        schema = {"type": "array", "items": _enum({"type": "integer"}, _choices(field, with_choices))}
    elif isinstance(field, forms.ModelChoiceField):
        schema = _enum({"type": "integer"}, _choices(field, with_choices))
    elif isinstance(field, forms.MultipleChoiceField):
        schema = {"type": "array", "items": _enum({"type": "string"}, _choices(field, True))}
    elif isinstance(field, forms.ChoiceField):
        schema = _enum({"type": "string"}, _choices(field, True))
    elif isinstance(field, forms.BooleanField | forms.NullBooleanField):
        schema = {"type": "boolean"}
    elif isinstance(field, forms.IntegerField) and not isinstance(
        field, forms.DecimalField | forms.FloatField
    ):
        schema = {"type": "integer", **_bounds(field)}
    elif isinstance(field, forms.DecimalField | forms.FloatField):
        schema = {"type": "number", **_bounds(field)}
    elif isinstance(field, forms.DateTimeField):
        schema = {"type": "string", "format": "date-time"}
    elif isinstance(field, forms.DateField):
        # ISO (2026-12-28) as the schema says; the form also reads day-first 28/12/2026 (workflows/forms.py).
        schema = {"type": "string", "format": "date"}
    elif isinstance(field, forms.FileField):
        schema = {"type": "string", "format": "binary"}  # OpenAPI 3.0: a file part (no contentMediaType)
    elif isinstance(field, forms.EmailField):
        schema = {"type": "string", "format": "email", **_bounds(field)}
    else:
        schema = {"type": "string", **_bounds(field)}
    if field.label:
        schema["title"] = str(field.label)
    if field.help_text:
        schema["description"] = str(field.help_text)
    initial = field.initial() if callable(field.initial) else field.initial
    if initial not in (None, "") and isinstance(initial, str | int | float | bool):
        schema["default"] = getattr(initial, "value", initial)
    return schema


def form_schema(form_class: type[forms.Form], *, with_choices: bool = True) -> dict:
    """The form's fields as one JSON Schema object. `with_choices=False` leaves out the choices read from the
    database (a ModelChoiceField's current objects), for the OpenAPI schema built without a request."""
    fields = form_class().fields  # an unbound form: its __init__ may relabel fields or set a queryset
    return fields_schema(fields, with_choices=with_choices)


def fields_schema(fields: dict[str, forms.Field], *, with_choices: bool = True) -> dict:
    """Form fields (a form's `fields`, or a form class's `base_fields` when its __init__ needs arguments the
    schema has not, such as the object it is for) as one JSON Schema object."""
    properties = {name: field_schema(field, with_choices=with_choices) for name, field in fields.items()}
    required = [name for name, field in fields.items() if field.required]
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    if any(isinstance(field, forms.FileField) for field in fields.values()):
        schema["description"] = "multipart/form-data"
    return schema


def transition_input_schema(lifecycle: type[Lifecycle], name: str, *, with_choices: bool = True) -> dict:
    return form_schema(lifecycle.form_class(name), with_choices=with_choices)
