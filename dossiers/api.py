"""REST API: /api/dossiers/ (+ transitions, history), /api/dossier-lines/ (per-nominee steps), /api/nominees/,
/api/awards/ (the catalogue). Another unit's objects answer 404."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from organisations.models import Unit
from workflows import query
from workflows.api import ErrorSerializer, TransitionsMixin, client_ip, problem_response
from workflows.http import request_actor
from workflows.names import full_name
from workflows.policies import PolicyDenied
from workflows.problems import problem
from workflows.schema import FormsOneOfSchema
from workflows.uploads import pdf_download

from . import appraisal, policies, rule_versions, selectors, services
from .central_api import CentralStepsMixin
from .eligibility import evaluate
from .filters import DossierFilter, LineFilter, NomineeFilter
from .models import (
    AwardRecord,
    AwardType,
    DocumentKind,
    Dossier,
    DossierNominee,
    EligibilityRule,
    Nominee,
    OccasionKind,
    RuleVersion,
)


def _invalid(errors) -> Response:
    """400 problem details with the field errors, as every other refusal of the API (workflows/problems.py)."""
    fields = {field: [str(m) for m in messages] for field, messages in errors.items()}
    first = next((messages[0] for messages in fields.values() if messages), "")
    return problem_response(problem(400, "invalid", first, errors=fields))


class EligibilityRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = EligibilityRule
        fields = ["kind", "parameters", "severity", "description", "legal_source"]


class AwardTypeSerializer(serializers.ModelSerializer):
    rules = EligibilityRuleSerializer(many=True, read_only=True)
    occasion_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=OccasionKind.choices),
        read_only=True,
        help_text="the occasions (a dossier's occasion) this award may be proposed for",
    )
    required_documents = serializers.ListField(
        child=serializers.ChoiceField(choices=DocumentKind.choices),
        read_only=True,
        help_text="the documents a proposal of this award needs (the kinds of POST …/documents/)",
    )

    class Meta:
        model = AwardType
        fields = [
            "id",
            "code",
            "name",
            "level",
            "recipient_kind",
            "deciding_authority",
            "route",
            "occasion_kinds",
            "required_documents",
            "vote_threshold_percent",
            "vote_threshold_base",
            "vote_threshold_strict",
            "public_notice_required",
            "public_notice_days",
            "post_after_vote",
            "legal_source",
            "effective_from",
            "effective_to",
            "rules",
        ]


class RuleVersionSerializer(serializers.ModelSerializer):
    """A rule version for integrators: dates, legal basis ("Căn cứ" lines), values, assumed values, awards."""

    citations = serializers.SerializerMethodField()
    awards = serializers.SerializerMethodField()

    class Meta:
        model = RuleVersion
        fields = [
            "id",
            "code",
            "name",
            "effective_from",
            "effective_to",
            "legal_basis",
            "citations",
            "quorum_numerator",
            "quorum_denominator",
            "public_notice_days",
            "sla_working_days",
            "reward_multipliers",
            "consultation_agencies",
            "assumptions",
            "note",
            "awards",
        ]

    def get_citations(self, version) -> list[str]:
        return rule_versions.citations([version])

    def get_awards(self, version) -> list[str]:
        return [award.code for award in version.awards.all()]


class RuleVersionListQuery(serializers.Serializer):
    effective = query.date("only the version in force on this day")
    year = query.year("only the version that judges achievements of this year (in force on its 31 December)")


@extend_schema_view(list=extend_schema(parameters=[RuleVersionListQuery]))
class RuleVersionViewSet(viewsets.ReadOnlyModelViewSet):
    """The rule versions by effective date (issue 17); a dossier line records the one it is judged by.
    ?effective=YYYY-MM-DD lists the one in force that day, ?year= the one that judges that year's achievements."""

    serializer_class = RuleVersionSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        versions = RuleVersion.objects.prefetch_related("awards").order_by("effective_from", "code")
        if not policies.may_edit_rules(self.request.user):  # a draft the Board prepares: the Board's only
            versions = versions.exclude(effective_from=None)
        if self.action == "list":
            params = query.validated_query(self.request, RuleVersionListQuery)
            if params.get("year"):
                versions = versions.effective_on(rule_versions.period_end(params["year"]))
            if params.get("effective"):
                versions = versions.effective_on(params["effective"])
        return versions


class AwardListQuery(serializers.Serializer):
    effective = query.date("the day whose versions in force are listed (default today)")


class EligibilityQuery(serializers.Serializer):
    year = query.year("the year the rules are checked for (default this year)")
    occasion = query.choice(
        OccasionKind.choices, "the occasion the line would be for (default annual: regular yearly merit)"
    )


class EligibilityOutcomeSerializer(serializers.Serializer):
    """One rule of the award checked for the nominee (dossiers.eligibility.evaluate)."""

    description = serializers.CharField()
    passed = serializers.BooleanField()
    pending_confirmation = serializers.BooleanField(help_text="passes only once the Board confirms a record")
    detail = serializers.CharField()
    severity = serializers.CharField(help_text="blocking or warning")
    legal_source = serializers.CharField()


class EligibilitySerializer(serializers.Serializer):
    award = serializers.CharField(help_text="the award's code")
    nominee = serializers.IntegerField()
    year = serializers.IntegerField()
    occasion = serializers.CharField(help_text="the occasion the rules were checked for")
    kind_accepted = serializers.BooleanField(help_text="whether the award is given to this kind of nominee")
    rules = EligibilityOutcomeSerializer(many=True)


@extend_schema_view(list=extend_schema(parameters=[AwardListQuery]))
class AwardTypeViewSet(viewsets.ReadOnlyModelViewSet):
    """The award catalogue; ?effective=YYYY-MM-DD (default today) picks the versions in force."""

    serializer_class = AwardTypeSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        awards = AwardType.objects.prefetch_related("rules")
        if self.action == "list":
            params = query.validated_query(self.request, AwardListQuery)
            awards = awards.effective_on(params.get("effective") or timezone.localdate())
        return awards

    @extend_schema(parameters=[EligibilityQuery], responses={200: EligibilitySerializer})
    @action(detail=True, methods=["get"], url_path=r"eligibility/(?P<nominee_id>[0-9]+)")
    def eligibility(self, request, pk=None, nominee_id=None):
        """Each rule of the award checked for one nominee (?year=, default this year), with legal sources."""
        award = self.get_object()
        nominee = get_object_or_404(selectors.nominees_visible_to(request.user), pk=nominee_id)
        params = query.validated_query(request, EligibilityQuery)
        year = params.get("year") or timezone.localdate().year
        occasion = params.get("occasion") or OccasionKind.ANNUAL
        return Response(
            {
                "award": award.code,
                "nominee": nominee.pk,
                "year": year,
                "occasion": occasion,
                "kind_accepted": award.accepts(nominee.kind),
                "rules": [
                    {
                        "description": o.rule.description,
                        "passed": o.passed,
                        "pending_confirmation": o.pending,
                        "detail": o.detail,
                        "severity": o.rule.severity,
                        "legal_source": o.rule.legal_source,
                    }
                    for o in evaluate(nominee, award, year, occasion=occasion)
                ],
            }
        )


class AwardRecordSerializer(serializers.ModelSerializer):
    award = serializers.CharField(source="award.code")

    class Meta:
        model = AwardRecord
        fields = [
            "award",
            "year",
            "authority",
            "decision_number",
            "decision_date",
            "source",
            "status",
            "occasion",
            "calendar",
        ]


class EmploymentSerializer(serializers.Serializer):
    """One period of the person's employment (quá trình công tác); valid_from null: since always, valid_to
    null: still there."""

    unit = serializers.IntegerField(source="unit_id")
    unit_name = serializers.CharField(source="unit.name")
    valid_from = serializers.DateField(allow_null=True)
    valid_to = serializers.DateField(allow_null=True)
    legal_act = serializers.CharField()
    note = serializers.CharField()


class NomineeSerializer(serializers.ModelSerializer):
    award_records = AwardRecordSerializer(many=True, read_only=True)
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    employments = serializers.SerializerMethodField()
    #: Deprecated (issue 16): a nominee's holds are the Board's dated records (GET …/holds/); `on_hold` says
    #: whether one is in force today and `hold_reason` describes them, for one release (docs/api-versioning.md).
    on_hold = serializers.SerializerMethodField()
    hold_reason = serializers.SerializerMethodField()

    def _holds_today(self, nominee) -> list:
        cache = self.context.setdefault("_holds_today", {})
        if nominee.pk not in cache:
            from .integrity import holds_in_force

            listed = getattr(self.parent, "instance", None)
            ids = [n.pk for n in listed] if listed is not None else [nominee.pk]
            found = holds_in_force(ids)
            cache.update({pk: found.get(pk, []) for pk in ids})
            cache.setdefault(nominee.pk, found.get(nominee.pk, []))
        return cache[nominee.pk]

    @extend_schema_field(
        {
            "type": "boolean",
            "deprecated": True,
            "description": "Deprecated: whether a hold (the Board's dated record) is in force today; read "
            "GET /api/v1/nominees/{id}/holds/ instead. Removed in the next release (docs/api-versioning.md).",
        }
    )
    def get_on_hold(self, nominee) -> bool:
        return bool(self._holds_today(nominee))

    @extend_schema_field(
        {
            "type": "string",
            "deprecated": True,
            "description": "Deprecated: the holds in force today, described; read …/holds/ instead.",
        }
    )
    def get_hold_reason(self, nominee) -> str:
        return "; ".join(hold.describe() for hold in self._holds_today(nominee))

    @extend_schema_field(EmploymentSerializer(many=True))
    def get_employments(self, nominee) -> list:
        from .transfers import employments_of

        return EmploymentSerializer(employments_of(nominee), many=True).data

    class Meta:
        model = Nominee
        fields = [
            "id",
            "kind",
            "unit",
            "full_name",
            "birth_year",
            "date_of_birth",
            "cccd",
            "gender",
            "position",
            "sub_unit",
            "on_hold",
            "hold_reason",
            "award_records",
            "employments",
        ]
        # the CCCD's uniqueness among persons is the service's check (a message naming the nominee)
        validators = []
        extra_kwargs = {"cccd": {"max_length": 20, "validators": []}}


class HoldSerializer(serializers.Serializer):
    """A hold on the nominee (kỷ luật, thanh tra, khiếu nại, báo chí): _hold_item."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_display = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)
    source_document = serializers.CharField()
    note = serializers.CharField()
    in_force = serializers.BooleanField(help_text="in force today")
    lifted_on = serializers.DateField(allow_null=True)
    lift_note = serializers.CharField()


class HistoryRecordSerializer(serializers.Serializer):
    """A title, rating or initiative of the nominee's history (_history_item); the fields after review_note
    are those of its kind."""

    kind = serializers.ChoiceField(choices=services.HISTORY_KINDS)
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    decision_number = serializers.CharField()
    decision_date = serializers.DateField(allow_null=True)
    status = serializers.CharField(help_text="declared, confirmed or rejected")
    review_note = serializers.CharField()
    award = serializers.CharField(required=False, help_text="title: the award's code")
    authority = serializers.CharField(required=False)
    source = serializers.CharField(required=False)
    occasion = serializers.CharField(required=False)
    calendar = serializers.CharField(required=False)
    period = serializers.CharField(required=False)
    rating = serializers.CharField(required=False)
    title = serializers.CharField(required=False)
    scope = serializers.CharField(required=False)
    recognised_by = serializers.CharField(required=False)
    central_document_number = serializers.CharField(required=False)
    central_document_date = serializers.DateField(required=False, allow_null=True)


class HistoryDeclareSchema(FormsOneOfSchema):
    """The POST body of a nominee's history/: one schema per kind (title, rating, initiative), from the forms
    the nominee page renders (dossiers.history_forms.DECLARE_FORMS), `kind` its discriminator."""

    component = "HistoryDeclare"

    def forms(self) -> dict:
        from .history_forms import DECLARE_FORMS

        return DECLARE_FORMS


NoteSerializer = inline_serializer("Note", fields={"note": serializers.CharField(required=False)})


class NomineeViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = NomineeSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = NomineeFilter

    def get_queryset(self):
        return selectors.nominees_visible_to(self.request.user).prefetch_related(
            "award_records__award", "employments__unit"
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        unit = data.pop("unit")
        serializer.instance = services.nominee_create(
            unit=unit, user=self.request.user, client_ip=client_ip(self.request), **data
        )

    def create(self, request, *args, **kwargs):
        try:
            return super().create(request, *args, **kwargs)
        except DjangoValidationError as exc:
            return _coded(self, exc)

    @extend_schema(
        methods=["GET"],
        responses={200: inline_serializer("NomineeHolds", fields={"holds": HoldSerializer(many=True)})},
    )
    @extend_schema(
        methods=["POST"],
        request=inline_serializer(
            "HoldInput",
            fields={
                "kind": serializers.CharField(),
                "starts_on": serializers.CharField(help_text="dd/mm/yyyy or ISO"),
                "ends_on": serializers.CharField(required=False),
                "source_document": serializers.CharField(),
                "note": serializers.CharField(required=False),
            },
        ),
        responses={201: HoldSerializer},
    )
    @action(detail=True, methods=["get", "post"], url_path="holds")
    def holds(self, request, pk=None):
        """GET: the nominee's holds (discipline, inspection, complaint, press), each with `in_force` today. POST
        (kind, starts_on, ends_on?, source_document, note?; dates dd/mm/yyyy or ISO): the Board records one (201);
        anyone else 403; bad input 400 next to the field."""
        from .forms import HoldForm

        nominee = self.get_object()
        if request.method == "GET":
            return Response({"holds": [_hold_item(hold) for hold in nominee.holds.all()]})
        actor = request_actor(request)
        decision = policies.may_manage_holds(request.user, nominee)
        if not decision:
            raise PolicyDenied(decision.reason)
        form = HoldForm(_form_data(request.data))
        if not form.is_valid():
            return _invalid(form.errors)
        hold = services.hold_create(nominee=nominee, actor=actor, **form.cleaned_data)
        return Response(_hold_item(hold), status=201)

    @extend_schema(
        request=inline_serializer(
            "NomineeTransferInput",
            {
                "to_unit": serializers.IntegerField(),
                "on": serializers.DateField(),
                "legal_act": serializers.CharField(),
                "position": serializers.CharField(required=False),
                "sub_unit": serializers.CharField(required=False),
                "note": serializers.CharField(required=False),
            },
        ),
        responses={200: NomineeSerializer, 400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer},
    )
    @action(detail=True, methods=["post"], url_path="transfer")
    def transfer(self, request, pk=None):
        """The Board records the person's transfer (chuyển công tác) to `to_unit` (id) from `on` (dd/mm/yyyy or
        ISO) by the decision `legal_act`; answers the nominee with its employments. Anyone else 403; bad input,
        or the person on a dossier line still open, 400 problem details (code open-dossier-line)."""
        from . import transfers
        from .forms import TransferForm

        nominee = self.get_object()
        decision = policies.may_transfer_nominee(request.user, nominee)
        if not decision:
            raise PolicyDenied(decision.reason)
        form = TransferForm(_form_data(request.data))
        if not form.is_valid():
            return _invalid(form.errors)
        data = form.cleaned_data
        try:
            transfers.nominee_transfer(
                nominee=nominee,
                to_unit=data["to_unit"],
                on=data["on"],
                legal_act=data["legal_act"],
                note=data["note"],
                position=data["position"],
                sub_unit=data["sub_unit"],
                actor=request_actor(request),
            )
        except DjangoValidationError as exc:
            return _coded(self, exc)
        return Response(self.get_serializer(self.get_queryset().get(pk=nominee.pk)).data)

    @extend_schema(request=NoteSerializer, responses={200: HoldSerializer})
    @action(detail=True, methods=["post"], url_path=r"holds/(?P<hold_id>[0-9]+)/lift")
    def hold_lift(self, request, pk=None, hold_id=None):
        """The Board lifts one hold of the nominee, with a `note` saying why (400 without one)."""
        nominee = self.get_object()
        hold = get_object_or_404(nominee.holds.all(), pk=hold_id)
        hold = services.hold_lift(
            hold=hold, note=str(request.data.get("note", "")), actor=request_actor(request)
        )
        return Response(_hold_item(hold))

    @extend_schema(
        methods=["GET"],
        responses={
            200: inline_serializer(
                "NomineeHistory",
                fields={
                    "titles": HistoryRecordSerializer(many=True),
                    "ratings": HistoryRecordSerializer(many=True),
                    "initiatives": HistoryRecordSerializer(many=True),
                },
            )
        },
    )
    @extend_schema(
        methods=["POST"],
        responses={201: HistoryRecordSerializer},
    )
    @action(detail=True, methods=["get", "post"], url_path="history", schema=HistoryDeclareSchema())
    def history(self, request, pk=None):
        """GET: the nominee's titles, ratings and initiatives with their confirmation status. POST (kind = title |
        rating | initiative, year, decision_number, decision_date, and award (id) + authority | rating | title +
        scope + recognised_by): the nominee's unit declares one record; it waits for the Board (201)."""
        from .history_forms import DECLARE_FORMS

        nominee = self.get_object()
        if request.method == "GET":
            return Response(_history_payload(nominee))
        kind = str(request.data.get("kind", ""))
        if kind not in DECLARE_FORMS:
            return _invalid({"kind": [_("Loại quá trình phải là title, rating hoặc initiative.")]})
        form = DECLARE_FORMS[kind](_form_data(request.data), nominee=nominee, prefix="")
        if not form.is_valid():
            return _invalid(form.errors)
        try:
            record = services.record_declare(
                nominee=nominee, kind=kind, fields=form.cleaned_data, actor=request_actor(request)
            )
        except DjangoValidationError as exc:
            return _coded(self, exc)
        return Response(_history_item(record), status=201)

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "HistoryImport", fields={"file": serializers.FileField()}
            )
        },
        responses={
            201: inline_serializer("HistoryImported", fields={"created": HistoryRecordSerializer(many=True)})
        },
    )
    @action(detail=True, methods=["post"], url_path="history-import")
    def history_import(self, request, pk=None):
        """Multipart `file`: the Excel template filled in; all or nothing (400 with "rows": ["Dòng N: …"])."""
        from . import history_import

        nominee = self.get_object()
        rows = history_import.read_rows(request.FILES.get("file"), nominee)
        try:
            created = services.history_import(nominee=nominee, rows=rows, actor=request_actor(request))
        except services.HistoryImportRefused as exc:
            rows = [str(m) for m in exc.messages]
            return problem_response(
                problem(400, "invalid", rows[0] if rows else "", errors={"rows": rows}, rows=rows)
            )
        return Response({"created": [_history_item(record) for record in created]}, status=201)

    @extend_schema(
        request=NoteSerializer,
        responses={200: HistoryRecordSerializer},
        operation_id="nominees_history_review",
        parameters=[
            OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=list(services.HISTORY_KINDS)),
            OpenApiParameter("verb", str, OpenApiParameter.PATH, enum=["confirm", "reject"]),
        ],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"history/(?P<kind>title|rating|initiative)/(?P<record_id>[0-9]+)/(?P<verb>confirm|reject)",
    )
    def history_review(self, request, pk=None, kind=None, record_id=None, verb=None):
        """The Board confirms or rejects (with a `note`) one declared record of the nominee."""
        nominee = self.get_object()
        record = get_object_or_404(services.history_model(kind).objects.filter(nominee=nominee), pk=record_id)
        note = str(request.data.get("note", ""))
        if verb == "confirm":
            record = services.record_confirm(record=record, note=note, actor=request_actor(request))
        else:
            record = services.record_reject(record=record, note=note, actor=request_actor(request))
        return Response(_history_item(record))


#: Refusals of the integrity checks that carry their own stable code in the API answer.
CODED_REFUSALS = (
    "duplicate_award",
    "duplicate_cccd",
    "open_dossier_line",
    "central_recognition_required",
    "scope_exceeds_council",
)


def _coded(view, exc: DjangoValidationError) -> Response:
    """A service's refusal answered as the API answers every invalid input (400, the messages per field), with
    the refusal's own `code` (duplicate_award, duplicate_cccd) in place of the generic one."""
    response = view.get_exception_handler()(exc, view.get_exception_handler_context())
    errors = getattr(exc, "error_dict", None) or {"non_field_errors": exc.error_list}
    code = next((e.code for errs in errors.values() for e in errs if e.code in CODED_REFUSALS), None)
    if code and isinstance(response.data, dict):
        response.data["code"] = code
        if "type" in response.data:  # problem details: the type is the code as a URI
            base = str(response.data["type"]).rsplit("/", 1)[0]
            response.data["type"] = f"{base}/{code.replace('_', '-')}"
    return response


def _hold_item(hold) -> dict:
    return {
        "id": hold.pk,
        "kind": hold.kind,
        "kind_display": hold.get_kind_display(),
        "starts_on": hold.starts_on.isoformat(),
        "ends_on": hold.ends_on.isoformat() if hold.ends_on else None,
        "source_document": hold.source_document,
        "note": hold.note,
        "in_force": hold.in_force(timezone.localdate()),
        "lifted_on": hold.lifted_on.isoformat() if hold.lifted_on else None,
        "lift_note": hold.lift_note,
    }


def _form_data(data) -> dict:
    return {key: data.get(key) for key in data.keys() if isinstance(data.get(key), str | int)}


def _history_item(record) -> dict:
    item = {
        "kind": services.history_kind_of(record),
        "id": record.pk,
        "year": record.year,
        "decision_number": record.decision_number,
        "decision_date": record.decision_date.isoformat() if record.decision_date else None,
        "status": record.status,
        "review_note": record.review_note,
    }
    kind = item["kind"]
    if kind == "title":
        item.update(
            award=record.award.code,
            authority=record.authority,
            source=record.source,
            occasion=record.occasion,
            calendar=record.calendar,
            period=record.period,
        )
    elif kind == "rating":
        item.update(rating=record.rating, calendar=record.calendar, period=record.period)
    else:
        item.update(
            title=record.title,
            scope=record.scope,
            recognised_by=record.recognised_by,
            central_document_number=record.central_document_number,
            central_document_date=(
                record.central_document_date.isoformat() if record.central_document_date else None
            ),
        )
    return item


def _history_payload(nominee) -> dict:
    return {
        "titles": [_history_item(r) for r in nominee.award_records.select_related("award")],
        "ratings": [_history_item(r) for r in nominee.ratings.all()],
        "initiatives": [_history_item(r) for r in nominee.initiatives.all()],
    }


class LineSerializer(serializers.ModelSerializer):
    nominee_name = serializers.CharField(source="nominee.full_name", read_only=True)
    version = serializers.SerializerMethodField(
        help_text="Optimistic lock: send it back with propose / not_propose; a stale one answers 409."
    )
    award_code = serializers.CharField(source="award.code", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    rule_version = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        help_text="The rule version the line is judged by (chosen from the dossier's year, kept afterwards).",
    )
    rule_version_name = serializers.CharField(source="rule_version.name", read_only=True, default="")
    legal_basis = serializers.SerializerMethodField(
        help_text='The legal basis of the line\'s rule version, one "Căn cứ" line per act (without "Căn cứ").'
    )

    class Meta:
        model = DossierNominee
        fields = [
            "id",
            "dossier",
            "nominee",
            "nominee_name",
            "award",
            "award_code",
            "rule_version",
            "rule_version_name",
            "legal_basis",
            "achievement_report",
            "members_total",
            "members_completed",
            "members_advanced",
            "members_grassroots_fighters",
            "members_disciplined",
            "state",
            "state_label",
            "board_opinion",
            "council_explanation",
            "central_decision_number",
            "central_decision_date",
            "version",
        ]
        read_only_fields = [
            "state",
            "board_opinion",
            "council_explanation",
            "central_decision_number",
            "central_decision_date",
        ]

    def get_fields(self):
        """The dossier and nominee a line names are looked up among those the caller sees: another unit's id
        is refused with the very answer of an id that does not exist (no existence oracle)."""
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            fields["dossier"].queryset = selectors.dossiers_visible_to(user)
            fields["nominee"].queryset = selectors.nominees_visible_to(user)
        return fields

    def get_legal_basis(self, line) -> list[str]:
        return rule_versions.citations([line.rule_version])

    def get_version(self, line) -> int:
        """The line's appraisal version (appraisal.versions), computed once per dossier per response."""
        cache = self.context.setdefault("line_versions", {})
        if line.pk not in cache:
            siblings = DossierNominee.objects.filter(dossier_id=line.dossier_id).only("pk", "dossier_id")
            cache.update(appraisal.versions(siblings))
        return cache.get(line.pk, 0)


class LineVersionsMixin:
    """A list answers every line's appraisal version from two look-ups for the whole page
    (appraisal.versions), instead of LineSerializer.get_version's look-ups per dossier."""

    def lines_of(self, objects) -> list[DossierNominee]:
        return list(objects)

    def get_serializer(self, *args, **kwargs):
        if kwargs.get("many") and args:
            objects = list(args[0])
            args = (objects, *args[1:])
            context = kwargs.setdefault("context", self.get_serializer_context())
            context.setdefault("line_versions", {}).update(appraisal.versions(self.lines_of(objects)))
        return super().get_serializer(*args, **kwargs)


class LineViewSet(
    LineVersionsMixin, TransitionsMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """One nominee of a dossier: added by the unit, appraised and decided per nominee through transitions."""

    serializer_class = LineSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = LineFilter

    def get_queryset(self):
        return selectors.lines_visible_to(self.request.user)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        dossier = get_object_or_404(
            selectors.dossiers_visible_to(self.request.user), pk=data.pop("dossier").pk
        )
        nominee = get_object_or_404(
            selectors.nominees_visible_to(self.request.user), pk=data.pop("nominee").pk
        )
        serializer.instance = services.line_add(
            dossier=dossier,
            nominee=nominee,
            user=self.request.user,
            client_ip=client_ip(self.request),
            **data,
        )

    def create(self, request, *args, **kwargs):
        try:
            return super().create(request, *args, **kwargs)
        except DjangoValidationError as exc:
            return _coded(self, exc)

    @extend_schema(
        request=inline_serializer(
            "LineTransitionInput",
            fields={
                "comment": serializers.CharField(required=False, allow_blank=True),
                "version": serializers.IntegerField(
                    required=False,
                    help_text="propose / not_propose: the line's version as read; a stale one answers 409",
                ),
            },
        ),
        responses={
            200: LineSerializer,
            400: ErrorSerializer,
            403: ErrorSerializer,
            409: ErrorSerializer,
        },
    )
    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<transition>[a-z_]+)")
    def perform_transition(self, request, pk=None, transition=None):
        """The API convention, plus the appraisal's optimistic lock: a propose / not_propose that carries the
        `version` it read is refused with 409 (code `stale_version`) if the line or its dossier changed since."""
        data = request.data if hasattr(request.data, "get") else {}
        if transition not in appraisal.VERDICTS or "version" not in data:
            return super().perform_transition(request, pk=pk, transition=transition)
        line = self.get_object()
        try:
            updated = appraisal.appraise(
                line,
                transition,
                user=request.user,
                data={"comment": data.get("comment", "")},
                expected_version=data.get("version"),
                client_ip=client_ip(request),
            )
        except appraisal.StaleAppraisal as exc:
            body = problem(409, exc.code, exc.message, version=appraisal.version(line))
            return problem_response(body, request=request)
        return Response(self.get_serializer(updated).data)


class DocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    line = serializers.IntegerField(source="line_id", allow_null=True, required=False)
    kind = serializers.CharField()
    version = serializers.IntegerField(read_only=True)
    original_name = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)
    sha256 = serializers.CharField(read_only=True)
    uploaded_at = serializers.DateTimeField(read_only=True)
    download_url = serializers.SerializerMethodField(
        help_text="GET it (with the same key) for the PDF; whoever may not see the dossier gets 404."
    )

    def get_download_url(self, document) -> str:
        return reverse("dossier-document", args=[document.dossier_id, document.pk])


class AssignmentSerializer(serializers.Serializer):
    """Who handles the dossier: the Board officer assigned to it, or nobody (any Board officer)."""

    dossier = serializers.IntegerField()
    officer = serializers.IntegerField(allow_null=True, help_text="the assigned officer's user id, or null")
    officer_name = serializers.CharField(help_text="the officer's name (Vietnamese order), or empty")


def _assignment(dossier) -> dict:
    policies.forget_assignment(dossier)
    officer = policies.assigned_officer(dossier)
    return {
        "dossier": dossier.pk,
        "officer": officer.pk if officer else None,
        "officer_name": full_name(officer) if officer else "",
    }


class ReturnRoundSerializer(serializers.Serializer):
    """One return of the dossier for supplement (selectors.dossier_returns)."""

    round = serializers.IntegerField(help_text="the submission this return answered (1 = the first)")
    reason = serializers.CharField(help_text="the Board's reason, as written")
    returned_at = serializers.DateTimeField(allow_null=True)
    returned_by = serializers.CharField(help_text="who returned it (Vietnamese name order)")
    deadline = serializers.DateField(allow_null=True, help_text="supplement by this day")
    items = serializers.ListField(child=serializers.CharField(), help_text="each item to supplement")


class DossierSerializer(serializers.ModelSerializer):
    lines = LineSerializer(many=True, read_only=True)
    returns = serializers.SerializerMethodField(
        help_text="Every return for supplement, oldest first: the reason, each item and the deadline."
    )
    documents = DocumentSerializer(many=True, read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())

    class Meta:
        model = Dossier
        fields = [
            "id",
            "unit",
            "year",
            "occasion",
            "title",
            "state",
            "state_label",
            "deadline",
            "submitted_at",
            "submission_count",
            "posted_until",
            "decision_number",
            "decision_date",
            "central_submission_number",
            "central_submission_date",
            "lines",
            "documents",
            "returns",
        ]
        read_only_fields = [
            "state",
            "deadline",
            "submitted_at",
            "submission_count",
            "posted_until",
            "decision_number",
            "decision_date",
            "central_submission_number",
            "central_submission_date",
        ]

    @extend_schema_field(ReturnRoundSerializer(many=True))
    def get_returns(self, dossier) -> list:
        cache = self.context.setdefault("dossier_returns", {})  # a list fills it for the page at once
        if dossier.pk not in cache:
            cache.update(selectors.returns_of([dossier]))
        return ReturnRoundSerializer(cache[dossier.pk], many=True).data


class DossierViewSet(
    CentralStepsMixin,
    LineVersionsMixin,
    TransitionsMixin,
    mixins.CreateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Dossiers: the unit's own, or all for the Board; transitions/ and history/ per the API convention."""

    serializer_class = DossierSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = DossierFilter  # the web list's search and filters (selectors.dossier_search)

    def get_queryset(self):
        dossiers = selectors.dossiers_visible_to(self.request.user)
        return dossiers.prefetch_related("lines__nominee", "lines__award", "lines__rule_version", "documents")

    def lines_of(self, objects) -> list[DossierNominee]:
        return [line for dossier in objects for line in dossier.lines.all()]  # prefetched: no query

    def perform_content_negotiation(self, request, force=False):
        """A document download answers whatever the client accepts (`Accept: application/pdf` included): the
        PDF itself bypasses the renderers, and a refusal stays problem details in JSON."""
        return super().perform_content_negotiation(request, force=force or self.action == "document")

    def get_serializer(self, *args, **kwargs):
        if kwargs.get("many") and args:  # every dossier's returns in two queries for the whole page
            objects = list(args[0])
            args = (objects, *args[1:])
            context = kwargs.setdefault("context", self.get_serializer_context())
            context.setdefault("dossier_returns", {}).update(selectors.returns_of(objects))
        return super().get_serializer(*args, **kwargs)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.dossier_create(
            unit=data["unit"],
            year=data["year"],
            occasion=data.get("occasion", "annual"),
            title=data["title"],
            user=self.request.user,
            client_ip=client_ip(self.request),
        )

    @extend_schema(
        request=inline_serializer(
            "DossierAssignInput",
            fields={
                "officer": serializers.IntegerField(
                    allow_null=True, help_text="a Board officer's user id; null takes the dossier back"
                )
            },
        ),
        responses={
            200: AssignmentSerializer,
            400: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    @action(detail=True, methods=["post"], url_path="assign")
    def assign(self, request, pk=None):
        """The Board head gives the dossier to one Board officer (`{"officer": id}`) or takes it back
        (`{"officer": null}`); while assigned, the Board officer's steps on it are that officer's. Someone who
        is not a Board officer today: 400 next to `officer`."""
        dossier = self.get_object()
        decision = policies.may_assign_officer(request.user, dossier)
        if not decision:
            raise PolicyDenied(decision.reason)
        data = request.data if hasattr(request.data, "get") else {}
        refused = {"officer": [_("Người này hiện không phải chuyên viên Ban TĐKT.")]}
        if "officer" not in data:
            raise serializers.ValidationError(
                {"officer": [_("Ghi mã người dùng của chuyên viên, hoặc null để thôi giao.")]}
            )
        raw, officer = data.get("officer"), None
        if raw not in (None, ""):
            if isinstance(raw, bool) or not str(raw).isdigit() or len(str(raw)) > 18:
                raise serializers.ValidationError(refused)  # problem details (workflows.api)
            officer = get_user_model().objects.filter(pk=int(raw)).first()
            if officer is None:
                raise serializers.ValidationError(refused)
        services.dossier_assign_officer(dossier, officer, actor=request_actor(request))
        return Response(AssignmentSerializer(_assignment(dossier)).data)

    @extend_schema(
        request=None,
        responses={
            (200, "application/pdf"): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="the PDF, as the web's download gives it"
            ),
            401: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"documents/(?P<document_id>[0-9]{1,12})",
        url_name="document",
    )
    def document(self, request, pk=None, document_id=None):
        """One document of the dossier as its PDF (`download_url` of each entry of `documents`): the same
        isolation as the web's download, another unit's dossier or document answering 404."""
        dossier = self.get_object()
        document = get_object_or_404(dossier.documents.all(), pk=document_id)
        return pdf_download(document.file.open("rb"), document.original_name)

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "DocumentUpload",
                fields={
                    "kind": serializers.ChoiceField(choices=DocumentKind.choices),
                    "line": serializers.IntegerField(
                        required=False,
                        help_text="the line's id, for a document of one nominee (achievement report, …); "
                        "left out for the dossier's own (submission letter, council minutes)",
                    ),
                    "file": serializers.FileField(help_text="the PDF"),
                },
            )
        },
        responses={201: DocumentSerializer},
    )
    @action(detail=True, methods=["post"], url_path="documents")
    def upload(self, request, pk=None):
        """Upload a PDF (multipart: kind, line, file); a new version never replaces the old one."""
        dossier = self.get_object()
        line = None
        if request.data.get("line"):
            line = get_object_or_404(dossier.lines.all(), pk=request.data["line"])
        document = services.document_upload(
            dossier=dossier,
            line=line,
            kind=request.data.get("kind", ""),
            upload=request.FILES.get("file"),
            user=request.user,
            client_ip=client_ip(request),
        )
        return Response(DocumentSerializer(document).data, status=201)
