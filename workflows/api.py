"""API convention shared by every stateful resource, plus units, memberships and tokens.

GET  /api/<resource>/<id>/transitions/          transitions with allowed yes/no and why not, for the caller
POST /api/<resource>/<id>/transitions/<name>/   perform one: 200 new state, 409 wrong state, 403 wrong role,
                                                400 invalid input (field errors in Vietnamese)
GET  /api/<resource>/<id>/history/              the object's audit events
"""

from __future__ import annotations

import functools
import re

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, parsers, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ErrorDetail, NotAuthenticated
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from organisations.models import Unit

from . import engine, problems, tokens
from .audit import history_for
from .filters import MembershipFilter, UnitFilter
from .http import client_ip, request_actor  # noqa: F401 (client_ip: the views of every app take it from here)
from .models import ApiToken, AuditEvent, Membership
from .names import full_name
from .policies import (
    PolicyDenied,
    may_change_configuration,
    may_manage_roles,
    may_read_client_ips,
    may_read_history,
)
from .schema import ApiAutoSchema, ProblemSerializer
from .services import membership_approve, membership_end, membership_grant, membership_reject


def exception_handler(exc, context):
    """Every refusal as RFC 9457 problem details (workflows/problems.py, docs/api.md), in the caller's language.

    401 missing or bad credentials · 403 a role that may not act · 404 an unknown object or transition (and an
    object the caller may not see) · 409 the wrong state (role is checked first: workflows.engine.check) ·
    400 invalid input, with `errors` {field: [messages]}.
    """
    if isinstance(exc, engine.TransitionNotFound):
        return _answer(context, problems.problem(404, "transition_not_found", exc.message))
    if isinstance(exc, engine.TransitionNotAllowed):
        extra = {}
        code = "transition_not_allowed"
        if isinstance(exc, engine.BatchRefused):  # perform_many: why each refused object was refused
            code, extra = "batch_refused", {"objects": exc.errors}
        return _answer(context, problems.problem(409, code, exc.message, **extra))
    if isinstance(exc, PolicyDenied):  # the permission layer refused (engine.ActionForbidden is one)
        if exc.status == 404:
            return _answer(context, problems.problem(404, "not_found", _("Không tìm thấy.")))
        return _answer(context, problems.problem(403, "permission_denied", exc.message))
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            errors = {
                field: [str(m) for e in errs for m in e.messages] for field, errs in exc.error_dict.items()
            }
        else:
            errors = {"non_field_errors": [str(m) for m in exc.messages]}
        return _answer(context, _invalid(errors))
    if isinstance(exc, DjangoPermissionDenied):
        return _answer(
            context, problems.problem(403, "permission_denied", str(exc) or _("Bạn không có quyền."))
        )
    if isinstance(exc, Http404):
        return _answer(context, problems.problem(404, "not_found", _("Không tìm thấy.")))
    if isinstance(exc, NotAuthenticated):
        exc.detail = ErrorDetail(
            _("Chưa đăng nhập: gửi mã truy cập (Authorization: Token …) hoặc đăng nhập."),
            code="not_authenticated",
        )
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, APIException):
        return response
    if isinstance(exc, DRFValidationError):
        body = _invalid(problems.field_errors(exc.detail))
    else:
        codes = exc.get_codes()  # token_expired, token_revoked, … (workflows/tokens.py)
        code = codes if isinstance(codes, str) else exc.default_code
        detail = exc.detail if not isinstance(exc.detail, list | dict) else problems.field_errors(exc.detail)
        if isinstance(detail, dict):
            detail = " ".join(message for messages in detail.values() for message in messages)
        body = problems.problem(response.status_code, code, problems.localise(detail))
    body["status"] = response.status_code
    return _answer(context, body, headers=response.headers)


def _invalid(errors: dict) -> dict:
    """The 400 problem of refused input: `errors` per field; `detail` the first message, for a person."""
    first = next((messages[0] for messages in errors.values() if messages), _("Dữ liệu không hợp lệ."))
    return problems.problem(400, "invalid", first, errors=errors)


def _answer(context, body: dict, headers=None) -> Response:
    return problem_response(body, request=context.get("request"), headers=headers)


def problem_response(body: dict, *, request=None, headers=None) -> Response:
    """A problem-details answer: application/problem+json (unless the browsable API renders it as a page),
    keeping the headers DRF set (WWW-Authenticate, Retry-After, Allow)."""
    renderer = getattr(request, "accepted_renderer", None)
    json = renderer is None or getattr(renderer, "format", "json") == "json"
    response = Response(body, status=body["status"], content_type=problems.MEDIA_TYPE if json else None)
    for name, value in (headers or {}).items():
        if name.lower() != "content-type":
            response[name] = value
    return response


@functools.cache
def _api_routes() -> dict:
    """model → the router's basename of its API detail ("dossier-line"), read from the URL configuration (the
    viewsets the project mounts), so that workflows names a subject without importing the apps it belongs to."""
    from django.urls import get_resolver

    routes: dict = {}

    def walk(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns)
                continue
            view = getattr(pattern.callback, "cls", None)
            name = pattern.name or ""
            if view is None or not name.endswith("-detail"):
                continue
            queryset = getattr(view, "queryset", None)
            model = getattr(queryset, "model", None) or getattr(
                getattr(getattr(view, "serializer_class", None), "Meta", None), "model", None
            )
            if model is not None:
                routes.setdefault(model, name.removesuffix("-detail"))

    walk(get_resolver().url_patterns)
    return routes


def api_reference(model, subject_id) -> dict:
    """A record as the API names it: {"kind", "id", "url"}: the kind is its API resource's name in snake case
    ("dossier_line", as an agenda item's subject says it), or its model's name for a record without one
    ("unit_round_line", then no url)."""
    from django.urls import NoReverseMatch, reverse

    basename = _api_routes().get(model) if model is not None else None
    ident = int(subject_id) if str(subject_id).isdigit() else subject_id
    url = None
    if basename:
        kind = basename.replace("-", "_")
        try:
            url = reverse(f"{basename}-detail", args=[ident])
        except NoReverseMatch:
            url = None
    elif model is not None:
        kind = re.sub(r"(?<!^)(?=[A-Z])", "_", model.__name__).lower()
    else:
        kind = ""
    return {"kind": kind, "id": ident, "url": url}


class AuditSubjectSerializer(serializers.Serializer):
    """What an audit event is about, typed as an agenda item's subject is: its kind, its id and its API address."""

    kind = serializers.CharField(
        help_text="the API resource in snake case: dossier, dossier_line, initiative…"
    )
    id = serializers.IntegerField()
    url = serializers.CharField(
        allow_null=True, help_text="the subject's /api/v1/ detail (null: none in the API)"
    )


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None)
    on_behalf_of = serializers.CharField(source="on_behalf_of.username", default=None)
    #: Names as Vietnamese write them (workflows/names.py); the username stays in actor / on_behalf_of.
    actor_name = serializers.SerializerMethodField()
    on_behalf_of_name = serializers.SerializerMethodField()
    #: Labels beside the raw codes (workflows/history.py): the transition's or verb's label, the states' and
    #: role's labels, local time to the second, what the event concerns; a part's events say which part.
    verb_label = serializers.SerializerMethodField()
    source_state_label = serializers.SerializerMethodField()
    target_state_label = serializers.SerializerMethodField()
    role_label = serializers.SerializerMethodField()
    created_at_local = serializers.SerializerMethodField()
    subject = serializers.SerializerMethodField()
    #: Deprecated (issue 18): the subject as the "app.model:id" text it was before `subject` was typed; kept
    #: for one release (docs/api-versioning.md), then removed.
    subject_ref = serializers.SerializerMethodField()
    part = serializers.SerializerMethodField()
    concerns = serializers.SerializerMethodField()
    #: Only for readers who may see it (policies.may_read_client_ips: the Board, auditors, the chairman); null
    #: for a unit reading its own dossier's history.
    client_ip = serializers.SerializerMethodField()
    #: The event's place in the log as people read it: "123" in the first chain, "3·123" in chain 3 (`chain` and
    #: `sequence` apart). Events are listed in id order, the order a subject's events were committed in.
    position = serializers.CharField(read_only=True)

    class Meta:
        model = AuditEvent
        fields = [
            "chain",
            "sequence",
            "position",
            "verb",
            "verb_label",
            "source_state",
            "source_state_label",
            "target_state",
            "target_state_label",
            "actor",
            "actor_name",
            "role",
            "role_label",
            "on_behalf_of",
            "on_behalf_of_name",
            "comment",
            "data",
            "concerns",
            "subject",
            "subject_ref",
            "part",
            "client_ip",
            "created_at",
            "created_at_local",
            "prev_hash",
            "hash",
        ]

    def _row(self, event):
        """The event's labels, computed once (workflows.history.describe) for the list being serialised."""
        rows = self.context.setdefault("_history_rows", {})
        if event.pk not in rows:
            from .history import describe

            listed = getattr(self.parent, "instance", None)
            events = list(listed) if listed is not None else [event]
            rows.update({row.event.pk: row for row in describe(events, self.context.get("subject"))})
        return rows[event.pk]

    def get_client_ip(self, event) -> str | None:
        shown = self.context.get("show_client_ip")
        if shown is None:
            request = self.context.get("request")
            user = getattr(request, "user", None)
            shown = self.context["show_client_ip"] = bool(user is not None and may_read_client_ips(user))
        return event.client_ip if shown else None

    def get_verb_label(self, event) -> str:
        return self._row(event).verb_label

    def get_source_state_label(self, event) -> str:
        return self._row(event).source_label

    def get_target_state_label(self, event) -> str:
        return self._row(event).target_label

    def get_role_label(self, event) -> str:
        return self._row(event).role_label

    def get_created_at_local(self, event) -> str:
        return self._row(event).at

    @extend_schema_field(AuditSubjectSerializer)
    def get_subject(self, event) -> dict:
        return api_reference(event.subject_type.model_class(), event.subject_id)

    @extend_schema_field(
        {
            "type": "string",
            "deprecated": True,
            "description": 'Deprecated: the subject as "app.model:id" text; read `subject` instead. Removed '
            "in the release after the one that typed `subject` (docs/api-versioning.md).",
        }
    )
    def get_subject_ref(self, event) -> str:
        return f"{event.subject_type.app_label}.{event.subject_type.model}:{event.subject_id}"

    def get_part(self, event) -> str:
        return self._row(event).part

    @extend_schema_field(
        inline_serializer(
            "AuditConcern",
            fields={"label": serializers.CharField(), "value": serializers.CharField()},
            many=True,
        )
    )
    def get_concerns(self, event) -> list:
        return [{"label": label, "value": value} for label, value in self._row(event).concerns]

    def get_actor_name(self, event) -> str | None:
        return full_name(event.actor) or None

    def get_on_behalf_of_name(self, event) -> str | None:
        return full_name(event.on_behalf_of) or None


TransitionCheckListSerializer = inline_serializer(
    "TransitionCheck",
    many=True,
    fields={
        "name": serializers.CharField(),
        "label": serializers.CharField(),
        "allowed": serializers.BooleanField(),
        "reason": serializers.CharField(),
        "status": serializers.IntegerField(help_text="200 allowed, 403 not this user's role, 409 not now"),
        "input": serializers.JSONField(
            help_text="JSON Schema of the POST body (the web form's fields: type, required, choices, labels)"
        ),
    },
)
TransitionInputSerializer = inline_serializer(
    "TransitionInput", fields={"comment": serializers.CharField(required=False, allow_blank=True)}
)
#: RFC 9457 problem details, the body of every 4xx (workflows/problems.py, docs/api.md): the one shared
#: component, documented as application/problem+json on every operation by workflows.schema.ApiAutoSchema.
ErrorSerializer = ProblemSerializer


class TransitionInputSchema(ApiAutoSchema):
    """Documents the POST body of `transitions/<name>/` as one schema per transition of the viewset's machine
    (oneOf, each titled with the transition's name), generated from the forms the web uses."""

    def get_request_serializer(self):
        if getattr(self.view, "action", None) != "perform_transition":
            return super().get_request_serializer()
        from .form_schema import transition_input_schema
        from .registry import lifecycle_for

        try:
            lifecycle = lifecycle_for(self.view.get_queryset().model)
        except (KeyError, LookupError, AttributeError):
            return super().get_request_serializer()
        variants = []
        for name, method in lifecycle.transition_methods().items():
            schema = transition_input_schema(lifecycle, name, with_choices=False)
            labels = [str(transition.label) for transition in method.get_transitions()]
            variants.append({"title": name, "description": labels[0] if labels else name, **schema})
        body = {
            "oneOf": variants,
            "description": "The body of the transition named in the path: its schema is the one titled with "
            "that name (GET …/transitions/ gives it with current choices, in the caller's language).",
        }
        return {"application/json": body, "multipart/form-data": body}

    def get_response_serializers(self):
        if getattr(self.view, "action", None) != "perform_transition":
            return super().get_response_serializers()
        return {200: OpenApiResponse(self._get_serializer(), description="the object with its new state")}


class TransitionsMixin:
    """Adds transitions/, transitions/<name>/ and history/ to a viewset whose objects have a lifecycle.

    get_object() must already hide objects the caller may not see (404 for another unit's objects).
    """

    @extend_schema(responses={200: TransitionCheckListSerializer})
    @action(detail=True, methods=["get"], url_path="transitions")
    def transitions(self, request, pk=None):
        from .form_schema import transition_input_schema
        from .registry import lifecycle_for

        obj = self.get_object()
        lifecycle = lifecycle_for(obj)
        return Response(
            [
                {
                    "name": c.name,
                    "label": c.label,
                    "allowed": c.allowed,
                    "reason": c.reason,
                    "status": c.status,
                    "input": transition_input_schema(lifecycle, c.name),
                }
                for c in engine.available(obj, request.user)
            ]
        )

    @action(
        detail=True,
        methods=["post"],
        url_path=r"transitions/(?P<transition>[a-z_]+)",
        schema=TransitionInputSchema(),
    )
    def perform_transition(self, request, pk=None, transition=None):
        obj = self.get_object()
        data = request.data if hasattr(request.data, "get") else {}
        updated = engine.perform(
            obj, transition, user=request.user, data=data, files=request.FILES, client_ip=client_ip(request)
        )
        return Response(self.get_serializer(updated).data, status=status.HTTP_200_OK)

    @extend_schema(responses={200: AuditEventSerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="history")
    def history(self, request, pk=None):
        obj = self.get_object()
        if not self.can_read_history(request.user, obj):
            raise PolicyDenied(_("Chỉ Ban TĐKT và kiểm tra viên được xem lịch sử."))
        context = {"subject": obj, "show_client_ip": bool(may_read_client_ips(request.user, obj))}
        return Response(AuditEventSerializer(history_for(obj), many=True, context=context).data)

    def can_read_history(self, user, obj) -> bool:
        return bool(may_read_history(user, obj))


class BoardHeadWritesOnly(BasePermission):
    """Everyone signed in reads; only the Board head (or an administrator: units are configuration, which
    administrators keep) writes: workflows.policies.may_change_configuration."""

    message = "Chỉ Trưởng Ban TĐKT hoặc quản trị viên được thay đổi."

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method in SAFE_METHODS:
            return True
        return bool(may_change_configuration(request.user))


class UnitSuccessionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="successor.id")
    code = serializers.CharField(source="successor.code")
    name = serializers.CharField(source="successor.name")
    kind = serializers.CharField()
    effective_on = serializers.DateField()
    legal_act = serializers.CharField()


class UnitSerializer(serializers.ModelSerializer):
    #: the units this one continued as (merge, split, rename, absorb), with the date and the legal act
    successors = UnitSuccessionSerializer(source="successions_out", many=True, read_only=True)

    class Meta:
        model = Unit
        fields = [
            "id",
            "code",
            "name",
            "short_name",
            "kind",
            "parent",
            "is_active",
            "valid_from",
            "valid_to",
            "successors",
        ]


def unit_day(request):
    """The day of `?on=YYYY-MM-DD` (None when absent); a day that is not a date is a 400 with the reason."""
    from django.utils.dateparse import parse_date
    from rest_framework.exceptions import ValidationError

    text = request.query_params.get("on")
    if text in (None, ""):
        return None
    try:
        day = parse_date(text)
    except ValueError:
        day = None
    if day is None:
        raise ValidationError(
            {"on": [_("Ngày không hợp lệ: hãy ghi theo dạng NNNN-TT-NN, ví dụ 2025-07-01.")]}
        )
    return day


class UnitViewSet(viewsets.ModelViewSet):
    """Units: read by everyone signed in; created and changed by the Board head (or an administrator) through
    unit_create / unit_update, each audited with before/after values; a new parent goes through
    unit_parent_change (the dated tree, from today). `?on=YYYY-MM-DD` lists (and finds) only the units in
    force on that day."""

    queryset = Unit.objects.order_by("name")
    serializer_class = UnitSerializer
    filterset_class = UnitFilter
    permission_classes = [BoardHeadWritesOnly]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        from organisations.timeline import in_force_q

        units = super().get_queryset().prefetch_related("successions_out__successor")
        day = unit_day(self.request)
        return units.filter(in_force_q(day)) if day else units

    def perform_create(self, serializer):
        from .config import unit_create

        serializer.instance = unit_create(actor=request_actor(self.request), **serializer.validated_data)

    def perform_update(self, serializer):
        from django.utils import timezone

        from .config import unit_update
        from .organisation_services import unit_parent_change

        changes = dict(serializer.validated_data)
        if "parent" in changes and changes["parent"] != serializer.instance.parent:
            unit_parent_change(
                unit=serializer.instance,
                parent=changes.pop("parent"),
                effective_on=timezone.localdate(),
                actor=request_actor(self.request),
            )
        changes.pop("parent", None)
        serializer.instance = unit_update(
            unit=Unit.objects.get(pk=serializer.instance.pk), actor=request_actor(self.request), **changes
        )


class BoardWritesOnly(BasePermission):
    """Everyone signed in reads; the Board (head or officer) or an administrator writes (role grants are user
    administration, which administrators keep): workflows.policies.may_manage_roles. The services decide the
    rest (who may grant, approve or end what, with the second-person rules)."""

    message = "Chỉ Ban TĐKT hoặc quản trị viên được thay đổi."

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method in SAFE_METHODS:
            return True
        return bool(may_manage_roles(request.user))


class MembershipSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    name = serializers.SerializerMethodField()
    status = serializers.CharField(read_only=True)
    proposed_by = serializers.CharField(source="proposed_by.username", read_only=True, default=None)
    approved_by = serializers.CharField(source="approved_by.username", read_only=True, default=None)

    class Meta:
        model = Membership
        fields = [
            "id",
            "user",
            "username",
            "name",
            "role",
            "unit",
            "council_term",
            "valid_from",
            "valid_to",
            "status",
            "proposed_by",
            "approved_by",
            "approved_at",
            "ended_at",
        ]
        read_only_fields = ["id", "username", "status", "approved_at", "ended_at"]
        extra_kwargs = {"valid_from": {"required": False}}

    def get_name(self, membership) -> str:
        return full_name(membership.user)


MembershipCommentSerializer = inline_serializer(
    "MembershipComment", fields={"comment": serializers.CharField(required=False, allow_blank=True)}
)


class MembershipViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Memberships: the Board and auditors read them all, anyone else their own, their unit's and their
    council's (workflows.policies.readable_memberships); proposed, approved, refused and ended by the Board through
    the services. Nobody grants themselves a role (403); a city-wide or council role is created `pending` and
    takes effect when a second person approves it (approving it again: 409)."""

    queryset = Membership.objects.select_related("user", "proposed_by", "approved_by").order_by(
        "user__username", "role"
    )
    serializer_class = MembershipSerializer
    permission_classes = [BoardWritesOnly]
    filterset_class = MembershipFilter

    def get_queryset(self):
        """Each caller lists what their role needs (workflows.selectors.memberships_visible_to); another's
        membership answers 404, as one that does not exist."""
        from .selectors import memberships_visible_to

        return memberships_visible_to(self.request.user, super().get_queryset())

    def perform_create(self, serializer):
        from .audit import Actor

        data = serializer.validated_data
        serializer.instance = membership_grant(
            user=data["user"],
            role=data["role"],
            unit=data.get("unit"),
            council_term=data.get("council_term"),
            valid_from=data.get("valid_from"),
            valid_to=data.get("valid_to"),
            actor=Actor(self.request.user, client_ip=client_ip(self.request)),
        )

    def _comment(self, request) -> str:
        data = request.data if hasattr(request.data, "get") else {}
        return str(data.get("comment") or "")[:1000]

    @extend_schema(
        request=MembershipCommentSerializer,
        responses={200: MembershipSerializer, 403: ErrorSerializer, 409: ErrorSerializer},
    )
    @action(detail=True, methods=["post"], url_path="approve")
    def approve(self, request, pk=None):

        membership = membership_approve(
            membership=self.get_object(),
            comment=self._comment(request),
            actor=request_actor(request),
        )
        return Response(self.get_serializer(membership).data)

    @extend_schema(
        request=MembershipCommentSerializer,
        responses={200: MembershipSerializer, 403: ErrorSerializer, 409: ErrorSerializer},
    )
    @action(detail=True, methods=["post"], url_path="reject")
    def reject(self, request, pk=None):

        membership = membership_reject(
            membership=self.get_object(),
            comment=self._comment(request),
            actor=request_actor(request),
        )
        return Response(self.get_serializer(membership).data)

    @extend_schema(
        request=inline_serializer(
            "MembershipEnd", fields={"valid_to": serializers.DateField(required=False)}
        ),
        responses={200: MembershipSerializer, 403: ErrorSerializer, 409: ErrorSerializer},
    )
    @action(detail=True, methods=["post"], url_path="end")
    def end(self, request, pk=None):

        data = request.data if hasattr(request.data, "get") else {}
        field = serializers.DateField(required=False)
        valid_to = field.run_validation(data.get("valid_to")) if data.get("valid_to") else None
        membership = membership_end(
            membership=self.get_object(),
            valid_to=valid_to,
            actor=request_actor(request),
        )
        return Response(self.get_serializer(membership).data)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, write_only=True)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, write_only=True)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, write_only=True)

    def validate(self, attrs):
        from django.contrib.auth import authenticate

        # The Django request itself, so that login throttling (django-axes, whose middleware answers 429)
        # sees the failures and lockouts of this endpoint as it does the login page's.
        user = authenticate(self.context["request"], username=attrs["username"], password=attrs["password"])
        if user is None:
            raise serializers.ValidationError(
                _("Tên đăng nhập hoặc mật khẩu không đúng."), code="authorization"
            )
        attrs["user"] = user
        return attrs


TokenResponseSerializer = inline_serializer(
    "TokenResponse",
    fields={
        "token": serializers.CharField(),
        "prefix": serializers.CharField(),
        "expires_at": serializers.DateTimeField(),
    },
)


class TokenView(APIView):
    """POST username and password; receive a key for the `Authorization: Token <key>` header.

    The key expires after DJANGO_API_TOKEN_HOURS hours; only its SHA-256 digest is stored (workflows/tokens.py).
    """

    authentication_classes = ()
    permission_classes = ()
    throttle_classes = ()
    parser_classes = (parsers.FormParser, parsers.MultiPartParser, parsers.JSONParser)
    renderer_classes = (renderers.JSONRenderer,)

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenResponseSerializer, 400: ErrorSerializer, 429: ErrorSerializer},
    )
    def post(self, request, *args, **kwargs):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request._request})
        serializer.is_valid(raise_exception=True)
        token, key = tokens.token_issue(
            user=serializer.validated_data["user"], name=serializer.validated_data.get("name", "")
        )
        return Response({"token": key, "prefix": token.prefix, "expires_at": token.expires_at})


class TokenLogoutView(APIView):
    """POST with the key in the Authorization header: that key stops working at once."""

    @extend_schema(request=None, responses={204: None, 400: ErrorSerializer})
    def post(self, request, *args, **kwargs):
        if not isinstance(request.auth, ApiToken):
            return problem_response(
                problems.problem(
                    400,
                    "no_token",
                    _("Yêu cầu này phải gửi kèm mã truy cập cần thu hồi (Authorization: Token …)."),
                ),
                request=request,
            )
        tokens.token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenLogoutAllView(APIView):
    """POST (with a key or a signed-in session): every key of the caller stops working."""

    @extend_schema(
        request=None,
        responses={200: inline_serializer("TokensRevoked", fields={"revoked": serializers.IntegerField()})},
    )
    def post(self, request, *args, **kwargs):
        return Response({"revoked": tokens.tokens_revoke_all(user=request.user)})
