"""REST API: /api/dossiers/ (+ transitions, history), /api/dossier-lines/ (per-nominee steps), /api/nominees/,
/api/awards/ (the catalogue). Another unit's objects answer 404."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from organisations.models import Unit
from workflows import query
from workflows.api import ErrorSerializer, TransitionsMixin, client_ip

from . import appraisal, selectors, services
from .eligibility import evaluate
from .models import AwardRecord, AwardType, Dossier, DossierNominee, EligibilityRule, Nominee


class EligibilityRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = EligibilityRule
        fields = ["kind", "parameters", "severity", "description", "legal_source"]


class AwardTypeSerializer(serializers.ModelSerializer):
    rules = EligibilityRuleSerializer(many=True, read_only=True)

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
            "legal_source",
            "effective_from",
            "effective_to",
            "rules",
        ]


class AwardListQuery(serializers.Serializer):
    effective = query.date("the day whose versions in force are listed (default today)")


class EligibilityQuery(serializers.Serializer):
    year = query.year("the year the rules are checked for (default this year)")


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

    @extend_schema(parameters=[EligibilityQuery])
    @action(detail=True, methods=["get"], url_path=r"eligibility/(?P<nominee_id>[0-9]+)")
    def eligibility(self, request, pk=None, nominee_id=None):
        """Each rule of the award checked for one nominee (?year=, default this year), with legal sources."""
        award = self.get_object()
        nominee = get_object_or_404(selectors.nominees_visible_to(request.user), pk=nominee_id)
        year = query.validated_query(request, EligibilityQuery).get("year") or timezone.localdate().year
        return Response(
            {
                "award": award.code,
                "nominee": nominee.pk,
                "year": year,
                "kind_accepted": award.accepts(nominee.kind),
                "rules": [
                    {
                        "description": o.rule.description,
                        "passed": o.passed,
                        "detail": o.detail,
                        "severity": o.rule.severity,
                        "legal_source": o.rule.legal_source,
                    }
                    for o in evaluate(nominee, award, year)
                ],
            }
        )


class AwardRecordSerializer(serializers.ModelSerializer):
    award = serializers.CharField(source="award.code")

    class Meta:
        model = AwardRecord
        fields = ["award", "year", "authority", "decision_number", "decision_date", "source"]


class NomineeSerializer(serializers.ModelSerializer):
    award_records = AwardRecordSerializer(many=True, read_only=True)
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())

    class Meta:
        model = Nominee
        fields = [
            "id",
            "kind",
            "unit",
            "full_name",
            "birth_year",
            "gender",
            "position",
            "sub_unit",
            "on_hold",
            "hold_reason",
            "award_records",
        ]
        read_only_fields = ["on_hold", "hold_reason"]


class NomineeViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = NomineeSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return selectors.nominees_visible_to(self.request.user).prefetch_related("award_records__award")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        unit = data.pop("unit")
        serializer.instance = services.nominee_create(
            unit=unit, user=self.request.user, client_ip=client_ip(self.request), **data
        )


class LineSerializer(serializers.ModelSerializer):
    nominee_name = serializers.CharField(source="nominee.full_name", read_only=True)
    version = serializers.SerializerMethodField(
        help_text="Optimistic lock: send it back with propose / not_propose; a stale one answers 409."
    )
    award_code = serializers.CharField(source="award.code", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = DossierNominee
        fields = [
            "id",
            "dossier",
            "nominee",
            "nominee_name",
            "award",
            "award_code",
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
            return Response(
                {"detail": exc.message, "code": exc.code, "version": appraisal.version(line)}, status=409
            )
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


class DossierSerializer(serializers.ModelSerializer):
    lines = LineSerializer(many=True, read_only=True)
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


class DossierViewSet(
    LineVersionsMixin, TransitionsMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Dossiers: the unit's own, or all for the Board; transitions/ and history/ per the API convention."""

    serializer_class = DossierSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return selectors.dossiers_visible_to(self.request.user).prefetch_related(
            "lines__nominee", "lines__award", "documents"
        )

    def lines_of(self, objects) -> list[DossierNominee]:
        return [line for dossier in objects for line in dossier.lines.all()]  # prefetched: no query

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
