"""The OpenAPI schema says what the server does (issue 18): one AutoSchema for every API view.

REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] names `ApiAutoSchema`, so each operation of /api/schema/ gets, without
per-view boilerplate:

* **bare arrays and objects for custom actions**: only the `list` action of a viewset is paginated
  (ApiPagination), so only it is documented as a page (`count`, `next`, `previous`, `results`) with `page` and
  `page_size`; `transitions/`, `history/`, `agenda/`, `attendance/`, … answer the array or object itself (an
  action that pages its answer says so with `@action(pagination_class=…)`);
* **one error shape**: every 4xx the operation can send is documented as `application/problem+json` with the
  one shared `Problem` component (RFC 9457, workflows/problems.py), also those a view lists in
  `@extend_schema(responses=…)`:

  - 400 invalid input: any operation that takes a body or query parameters,
  - 401 missing, bad, expired or revoked credentials and 403 a role that may not act: every operation that
    needs a signed-in caller (all but POST /auth/token/),
  - 404 an unknown (or hidden) object or transition, or a page past the end: any operation with path
    parameters, and the paginated lists,
  - 409 the wrong state and 413 a body too large (project.middleware): every operation that writes,
  - 429 too many exports: the views with a throttle scope (workflows/throttle.py);
* **null where null is sent**: a field declared with `default=None` (`source="actor.username", default=None`)
  is nullable;
* **null where the model holds null**: a read-only field of a nullable model field is nullable (DRF drops
  allow_null from read-only relations);
* **"" where "" is sent**: a read-only choice of a model field with blank=True also takes "" (DRF drops
  allow_blank from read-only fields);
* **status codes as sent**: an action that answers GET and POST with `responses={200: …, 201: …}` documents
  the 200 on its GET and the 201 on its POST.

A view that is special says so with `@extend_schema` (file downloads as binary with their media type, 201
where the view sends 201); this class adds only what holds for every operation.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.fields import empty

from . import problems

#: RFC 9457 problem details, the body of every 4xx (workflows/problems.py, docs/api.md).
ProblemSerializer = inline_serializer(
    "Problem",
    fields={
        "type": serializers.CharField(help_text="https://tdkt.example/errors/<code>"),
        "title": serializers.CharField(),
        "status": serializers.IntegerField(),
        "detail": serializers.CharField(),
        "code": serializers.CharField(help_text="stable: clients switch on it (docs/api.md lists the codes)"),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="400 only: field name → messages (non_field_errors for the whole input)",
        ),
        "objects": inline_serializer(
            "RefusedObject",
            fields={
                "id": serializers.IntegerField(),
                "status": serializers.IntegerField(
                    help_text="409 its state, 403 the caller's role, 400 its input"
                ),
                "detail": serializers.CharField(),
            },
            many=True,
            required=False,
            help_text="409 batch_refused only: each refused object",
        ),
    },
)

PROBLEM_DESCRIPTIONS = {
    "400": "Invalid input (problem details; `errors` per field)",
    "401": "Missing, bad, expired or revoked credentials (problem details)",
    "403": "The caller's role may not do this (problem details)",
    "404": "No such object or transition, or one the caller may not see (problem details)",
    "409": "The object's state does not allow this now (problem details)",
    "413": "The body is larger than the site accepts (problem details)",
    "429": "Too many requests (problem details; Retry-After)",
}

UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

PDF = "application/pdf"
ZIP = "application/zip"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(media_type: str, description: str, status: int = 200) -> dict:
    """`@extend_schema(responses=download(XLSX, "…"))` for a view that sends a file: its bytes under its own
    media type (the 4xx stay problem details, added by ApiAutoSchema)."""
    return {(status, media_type): OpenApiResponse(OpenApiTypes.BINARY, description=description)}


def _model_field(field):
    """The model field a ModelSerializer's field reads (a plain `source`), or None."""
    model = getattr(getattr(getattr(field, "parent", None), "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source or field.source == "*":
        return None
    try:
        return model._meta.get_field(field.source)
    except FieldDoesNotExist:  # a source that is a property or a method, not a model field
        return None


def _blank_choice(field) -> bool:
    """A read-only choice field of a model field with blank=True: DRF drops allow_blank from read-only fields,
    yet the value read may be "" (an initiative's recognised scope before the council's decision)."""
    if not isinstance(field, serializers.ChoiceField) or not field.read_only or field.allow_blank:
        return False
    model_field = _model_field(field)
    return bool(model_field is not None and model_field.blank)


def _null_read_only(field) -> bool:
    """A read-only field of a model field with null=True: DRF builds read-only relations (and fields it makes
    read-only) without allow_null, yet the value read may be null (a round's session before it is planned)."""
    if not getattr(field, "read_only", False) or getattr(field, "allow_null", False):
        return False
    model_field = _model_field(field)
    return bool(model_field is not None and model_field.null)


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema with the project's conventions (see the module's docstring)."""

    def _get_paginator(self):
        action = getattr(self.view, "action", None)
        if action not in (None, "list") and "pagination_class" not in vars(self.view):
            return None  # a custom action answers its array or object, not a page
        return super()._get_paginator()

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if _blank_choice(field) and "" not in schema.get("enum", [""]):
            schema["enum"] = [*schema["enum"], ""]  # the enum postprocessing documents it as BlankEnum
        return schema

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        if getattr(field, "default", empty) is None or _null_read_only(field):
            meta["nullable"] = True  # `source="actor.username", default=None`: null when the chain ends early
        return meta

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return operation
        responses = operation.setdefault("responses", {})
        if self.method == "GET" and "200" in responses:
            responses.pop("201", None)
        elif self.method == "POST" and {"200", "201"} <= set(responses) and self._answers_get():
            responses.pop("200")  # the action's GET answers 200; its POST creates (201)
        for code in self.problem_statuses(operation):
            responses.setdefault(code, {})
        problem = self.resolve_serializer(ProblemSerializer, "response").ref
        for code, response in responses.items():
            if code.startswith("4"):
                response["description"] = response.get("description") or PROBLEM_DESCRIPTIONS.get(code, "")
                response["content"] = {problems.MEDIA_TYPE: {"schema": problem}}
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _answers_get(self) -> bool:
        """Whether the same action (a GET-and-POST action of a viewset) also answers GET."""
        return "get" in (getattr(self.view, "action_map", None) or {})

    def problem_statuses(self, operation: dict) -> list[str]:
        """The 4xx statuses this operation can answer (the module's docstring says why each)."""
        located = {parameter.get("in") for parameter in operation.get("parameters", [])}
        query = {
            parameter["name"]
            for parameter in operation.get("parameters", [])
            if parameter.get("in") == "query"
        }
        writes = self.method in UNSAFE_METHODS
        statuses = []
        if writes or "query" in located or "requestBody" in operation:
            statuses.append("400")
        if self.view.get_permissions():
            statuses += ["401", "403"]
        if "path" in located or "page" in query:
            statuses.append("404")
        if writes:
            statuses += ["409", "413"]
        if getattr(self.view, "throttle_scope", None):
            statuses.append("429")
        return statuses


class FormsOneOfSchema(ApiAutoSchema):
    """Documents the POST body of an action that takes one of several web forms, chosen by a `kind` field
    (a nominee's declared title, rating or initiative): a oneOf of one component per kind, each generated from
    the form class the web renders (workflows.form_schema.fields_schema, the form's labels and help texts) with
    `kind` as its discriminator. A subclass names the `component` prefix and gives `forms()`, {kind: form
    class}, read when the schema is built (in the caller's language); the choices read from the database are
    left out, as for the transitions. (Configured by class attributes: @extend_schema re-instantiates the class.)
    """

    component = ""
    discriminator = "kind"
    methods = ("POST",)

    def forms(self) -> dict:
        return {}

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation and "requestBody" in operation and method.upper() in self.methods:
            operation["requestBody"]["required"] = True  # every variant requires its `kind`
        return operation

    def get_request_serializer(self):
        forms = self.forms() if self.method in self.methods else {}
        if not forms:
            return super().get_request_serializer()
        from drf_spectacular.plumbing import ResolvedComponent

        from .form_schema import fields_schema

        mapping = {}
        for kind, form_class in forms.items():
            order = list(getattr(form_class, "field_order", None) or [])
            fields = dict(form_class.base_fields)  # its __init__ may need the object it is for
            fields = {name: fields[name] for name in [*order, *fields] if name in fields}
            body = fields_schema(fields, with_choices=False)
            body["properties"] = {
                self.discriminator: {"type": "string", "enum": [kind]},
                **body["properties"],
            }
            body["required"] = [self.discriminator, *body.get("required", [])]
            name = f"{self.component}{kind.title().replace('_', '')}"
            component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=body)
            self.registry.register_on_missing(component)
            mapping[kind] = component.ref["$ref"]
        return {
            "application/json": {
                "oneOf": [{"$ref": ref} for ref in mapping.values()],
                "discriminator": {"propertyName": self.discriminator, "mapping": mapping},
            }
        }
