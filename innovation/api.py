"""API: /api/rounds/, /api/initiatives/, /api/reviews/ (transitions and history per workflows.api)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from organisations.models import Unit
from workflows import throttle
from workflows.api import TransitionsMixin, problem_response
from workflows.exports import xlsx_response
from workflows.http import request_actor
from workflows.problems import problem
from workflows.schema import XLSX, download

from . import certificates, imports, selectors, services
from .exports import results_bytes
from .filters import InitiativeFilter, ReviewFilter, RoundFilter
from .models import Author, Criterion, Evidence, Initiative, Review, ReviewAssignment, Round, Score
from .policies import may_assign_reviewers


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["id", "order", "name", "max_points"]


class RoundSerializer(serializers.ModelSerializer):
    criteria = CriterionSerializer(many=True, read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Round
        fields = [
            "id",
            "council_term",
            "title",
            "fields",
            "submission_opens_on",
            "submission_closes_on",
            "pass_score",
            "reviewers_per_initiative",
            "spread_threshold",
            "criteria",
            "session",
            "state",
            "state_label",
        ]
        read_only_fields = ["session", "state"]


class RankingRowSerializer(serializers.Serializer):
    """One row of a round's ranking table (innovation.selectors.ranking); scores as decimal text."""

    rank = serializers.IntegerField()
    initiative = serializers.IntegerField()
    title = serializers.CharField()
    unit = serializers.CharField(help_text="the submitting unit's name")
    state = serializers.CharField()
    totals = serializers.ListField(child=serializers.CharField(), help_text="each submitted review's total")
    average = serializers.CharField(allow_null=True)
    spread = serializers.CharField(allow_null=True)
    spread_flagged = serializers.BooleanField()
    meets_pass_score = serializers.BooleanField()


def _ids() -> serializers.ListField:
    return serializers.ListField(child=serializers.IntegerField())


RoundReviewersSerializer = inline_serializer("RoundReviewers", fields={"reviewers": _ids()})


class RoundViewSet(TransitionsMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Rounds: everyone signed in reads; the Board opens them, assigns reviewers and sends them to the council."""

    serializer_class = RoundSerializer
    permission_classes = [IsAuthenticated]
    throttle_scope = None  # the export actions set "exports" (workflows/throttle.py)
    queryset = Round.objects.select_related("council_term").prefetch_related("criteria")
    filterset_class = RoundFilter

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.round_create(actor=request_actor(self.request), **data)

    @extend_schema(responses={200: RankingRowSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def ranking(self, request, pk=None):
        """The ranking table: Board and the council's members, everyone once results are published."""
        round_ = self.get_object()
        if not selectors.can_view_ranking(request.user, round_):
            raise PermissionDenied(
                _("Chỉ Ban TĐKT và thành viên hội đồng được xem bảng xếp hạng trước khi công bố.")
            )
        return Response(
            [
                {
                    "rank": row.rank,
                    "initiative": row.initiative.pk,
                    "title": row.initiative.title,
                    "unit": row.initiative.unit.name,
                    "state": row.initiative.state,
                    "totals": [str(total) for total in row.totals],
                    "average": str(row.average) if row.average is not None else None,
                    "spread": str(row.spread) if row.spread is not None else None,
                    "spread_flagged": row.spread_flagged,
                    "meets_pass_score": row.meets_pass_score,
                }
                for row in selectors.ranking(round_)
            ]
        )

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer("AssignmentsCreated", fields={"created": serializers.IntegerField()})
        },
    )
    @action(detail=True, methods=["post"], url_path="assign-balanced")
    def assign_balanced(self, request, pk=None):
        """Give every screened initiative its missing reviewers, fewest current assignments first."""
        created = services.assignments_balance(round_=self.get_object(), actor=request_actor(request))
        return Response({"created": created})

    @extend_schema(
        request=RoundReviewersSerializer,
        responses={200: RoundReviewersSerializer},
    )
    @action(detail=True, methods=["post"], url_path="reviewers")
    def reviewers(self, request, pk=None):
        """The Board names the round's pool of reviewers: {"reviewers": [user ids]}."""
        round_ = self.get_object()
        ids = request.data.get("reviewers")
        if not isinstance(ids, list) or not all(str(i).isdigit() for i in ids):
            raise serializers.ValidationError({"reviewers": [_("Cần danh sách mã người chấm.")]})
        users = list(get_user_model().objects.filter(pk__in=ids, is_active=True))
        if len(users) != len(set(map(int, ids))):
            raise serializers.ValidationError({"reviewers": [_("Có mã người chấm không tồn tại.")]})
        services.round_reviewers_set(round_=round_, reviewers=users, actor=request_actor(request))
        return Response({"reviewers": sorted(user.pk for user in users)})

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "InitiativesImport", fields={"file": serializers.FileField()}
            )
        },
        responses={201: inline_serializer("InitiativesImported", fields={"created": _ids()})},
    )
    @action(detail=True, methods=["post"], url_path="import")
    def import_initiatives(self, request, pk=None):
        """The Board imports initiatives from the Excel template (multipart "file"). All or nothing: 400 with
        {"rows": [{"row": n, "message": …}]} naming every bad row."""
        round_ = self.get_object()
        rows = imports.read_rows(request.FILES.get("file"))
        try:
            created = services.initiatives_import(round_=round_, rows=rows, actor=request_actor(request))
        except services.ImportRefused as refused:
            rows = [{"row": number, "message": message} for number, message in refused.rows]
            return problem_response(
                problem(
                    400,
                    "invalid",
                    _("Tệp có dòng sai nên chưa nhập sáng kiến nào."),
                    errors={"file": [f"Dòng {row['row']}: {row['message']}" for row in rows]},
                    rows=rows,
                )
            )
        return Response(
            {"created": [initiative.pk for initiative in created]}, status=status.HTTP_201_CREATED
        )

    @extend_schema(responses=download(XLSX, "the results list as an Excel workbook"))
    @action(detail=True, methods=["get"], url_path="results-xlsx", throttle_scope=throttle.EXPORTS)
    def results_xlsx(self, request, pk=None):
        """The results list as Excel (same readers as the ranking)."""
        round_ = self.get_object()
        if not selectors.can_view_ranking(request.user, round_):
            raise PermissionDenied(
                _("Chỉ Ban TĐKT và thành viên hội đồng được xem kết quả trước khi công bố.")
            )
        return xlsx_response(results_bytes(round_), f"ket-qua-xet-sang-kien-{round_.pk}.xlsx")

    @extend_schema(
        request=inline_serializer(
            "SendToCouncil",
            fields={"planned_on": serializers.DateField(), "place": serializers.CharField(required=False)},
        ),
        responses={201: inline_serializer("SessionPlanned", fields={"session": serializers.IntegerField()})},
    )
    @action(detail=True, methods=["post"], url_path="send-to-council")
    def send_to_council(self, request, pk=None):
        """Plan the innovation council's session with the initiatives reaching the pass score."""
        planned_on = serializers.DateField().to_internal_value(request.data.get("planned_on"))
        session = services.round_send_to_council(
            round_=self.get_object(),
            planned_on=planned_on,
            place=request.data.get("place", ""),
            actor=request_actor(request),
        )
        return Response({"session": session.pk}, status=status.HTTP_201_CREATED)


class AuthorSerializer(serializers.ModelSerializer):
    """An author of the initiative; `id` (read-only) names them in certificates/<id>/. Replacing the authors
    (PUT authors/) gives the new list new ids."""

    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())

    class Meta:
        model = Author
        fields = ["id", "full_name", "unit", "share", "user"]
        read_only_fields = ["id"]
        extra_kwargs = {"user": {"required": False}}


class InitiativeSerializer(serializers.ModelSerializer):
    authors = AuthorSerializer(many=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Initiative
        fields = [
            "id",
            "round",
            "title",
            "unit",
            "field",
            "summary",
            "problem",
            "solution",
            "first_applied_on",
            "benefits",
            "requested_scope",
            "lower_recognition",
            "authors",
            "average_score",
            "recognised_scope",
            "central_document_number",
            "central_document_date",
            "state",
            "state_label",
        ]
        read_only_fields = [
            "average_score",
            "recognised_scope",
            "central_document_number",
            "central_document_date",
            "state",
        ]

    def to_representation(self, instance):
        """A published result for those who do not read the initiative in full: its text fields are left out."""
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and not selectors.can_read_in_full(request.user, instance):
            for name in selectors.FULL_TEXT_FIELDS:
                data.pop(name, None)
        return data


class EvidenceSerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Evidence
        fields = ["id", "original_name", "description", "size", "sha256", "uploaded_at", "url"]
        read_only_fields = fields


ReviewerChoiceSerializer = inline_serializer(
    "ReviewerChoice", fields={"reviewer": serializers.IntegerField()}
)


class InitiativeViewSet(TransitionsMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Initiatives: a unit submits and follows its own; the Board screens and assigns; reviewers see theirs."""

    serializer_class = InitiativeSerializer
    permission_classes = [IsAuthenticated]
    throttle_scope = None  # the export actions set "exports" (workflows/throttle.py)
    filterset_class = InitiativeFilter

    def get_queryset(self):
        return selectors.initiatives_visible_to(self.request.user).prefetch_related("authors")

    def create(self, request, *args, **kwargs):
        try:
            return super().create(request, *args, **kwargs)
        except DjangoValidationError as exc:  # a scope above the council's level keeps its own code
            return _coded(self, exc)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        authors = data.pop("authors")
        round_ = data.pop("round")
        unit = data.pop("unit")
        serializer.instance = services.initiative_submit(
            round_=round_, unit=unit, data=data, authors=authors, actor=request_actor(self.request)
        )

    @extend_schema(
        request=inline_serializer(
            "CentralRecognition",
            fields={"document_number": serializers.CharField(), "document_date": serializers.DateField()},
        ),
        responses={200: InitiativeSerializer},
    )
    @action(detail=True, methods=["post"], url_path="central-recognition")
    def central_recognition(self, request, pk=None):
        """The Board records the central body's recognition (document number and date) that makes a recognised
        initiative's scope national, and its authors' recognitions with it. 400 (code
        central_recognition_required) without the document; 409 for an initiative not recognised."""
        from .forms import CentralRecognitionForm

        initiative = self.get_object()
        form = CentralRecognitionForm(
            {key: request.data.get(key) or "" for key in ("document_number", "document_date")}
        )
        if not form.is_valid():
            raise serializers.ValidationError(form.errors)
        try:
            updated = services.central_recognition_record(
                initiative=initiative,
                document_number=form.cleaned_data["document_number"],
                document_date=form.cleaned_data["document_date"],
                actor=request_actor(request),
            )
        except DjangoValidationError as exc:
            return _coded(self, exc)
        return Response(self.get_serializer(updated).data)

    @extend_schema(methods=["GET"], responses={200: EvidenceSerializer(many=True)})
    @extend_schema(
        methods=["POST"],
        request={
            "multipart/form-data": inline_serializer(
                "EvidenceUpload",
                fields={
                    "file": serializers.FileField(),
                    "description": serializers.CharField(required=False),
                },
            )
        },
        responses={201: EvidenceSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def evidence(self, request, pk=None):
        """GET: the initiative's evidence; POST (multipart "file", "description"): attach a PDF. Only for those
        who read the initiative in full (404 for a published result's other readers)."""
        initiative = self.get_object()
        if not selectors.can_read_in_full(request.user, initiative):
            raise NotFound(_("Không tìm thấy tài liệu minh chứng của sáng kiến này."))
        if request.method == "POST":
            evidence = services.evidence_upload(
                initiative=initiative,
                upload=request.FILES.get("file"),
                description=request.data.get("description", ""),
                actor=request_actor(request),
            )
            return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)
        return Response(EvidenceSerializer(initiative.evidence.all(), many=True).data)

    @extend_schema(
        request=inline_serializer("AuthorsReplace", fields={"authors": AuthorSerializer(many=True)}),
        responses={200: InitiativeSerializer},
    )
    @action(detail=True, methods=["put"])
    def authors(self, request, pk=None):
        """The submitting unit replaces the authors of a returned initiative: {"authors": [...]}."""
        initiative = self.get_object()
        payload = AuthorSerializer(data=request.data.get("authors"), many=True)
        payload.is_valid(raise_exception=True)
        updated = services.authors_replace(
            initiative=initiative, authors=list(payload.validated_data), actor=request_actor(request)
        )
        return Response(self.get_serializer(updated).data)

    @extend_schema(responses=download("application/pdf", "the author's certificate (PDF)"))
    @action(
        detail=True,
        methods=["get"],
        url_path=r"certificates/(?P<author_id>\d+)",
        throttle_scope=throttle.EXPORTS,
    )
    def certificate(self, request, pk=None, author_id=None):
        """One author's certificate as PDF (issued ones; the Board also before issuing)."""
        initiative = self.get_object()
        if not certificates.certificate_available(request.user, initiative):
            raise Http404
        author = get_object_or_404(initiative.authors.select_related("unit"), pk=author_id)
        response = HttpResponse(certificates.certificate_pdf(author), content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="giay-chung-nhan-sang-kien-{initiative.pk}-{author.pk}.pdf"'
        )
        return response

    @extend_schema(
        methods=["GET"],
        responses={
            200: inline_serializer("InitiativeReviewers", fields={"assigned": _ids(), "suggested": _ids()})
        },
    )
    @extend_schema(
        methods=["POST"],
        request=ReviewerChoiceSerializer,
        responses={
            201: inline_serializer("ReviewerAssigned", fields={"assignment": serializers.IntegerField()})
        },
    )
    @extend_schema(methods=["DELETE"], request=ReviewerChoiceSerializer, responses={204: None})
    @action(detail=True, methods=["get", "post", "delete"])
    def reviewers(self, request, pk=None):
        """GET: the balanced suggestion (Board); POST {"reviewer": id}: assign one (granting them the review of
        this initiative), refused on a conflict; DELETE {"reviewer": id}: take them off before reviews open
        (their grant goes with it)."""
        initiative = self.get_object()
        decision = may_assign_reviewers(request.user, initiative)
        if not decision:
            raise PermissionDenied(decision.reason)
        if request.method in ("POST", "DELETE"):
            reviewer_id = request.data.get("reviewer")
            if not str(reviewer_id or "").isdigit():
                raise serializers.ValidationError({"reviewer": [_("Cần mã người chấm.")]})
            reviewer = get_object_or_404(get_user_model(), pk=reviewer_id)
            if request.method == "DELETE":
                services.reviewer_unassign(
                    initiative=initiative, reviewer=reviewer, actor=request_actor(request)
                )
                return Response(status=status.HTTP_204_NO_CONTENT)
            assignment = services.reviewer_assign(
                initiative=initiative, reviewer=reviewer, actor=request_actor(request)
            )
            return Response({"assignment": assignment.pk}, status=status.HTTP_201_CREATED)
        return Response(
            {
                "assigned": list(initiative.assignments.values_list("reviewer_id", flat=True)),
                "suggested": [user.pk for user in services.reviewers_suggest(initiative)],
            }
        )


class ScoreSerializer(serializers.ModelSerializer):
    class Meta:
        model = Score
        fields = ["criterion", "points", "justification"]


class ReviewSerializer(serializers.ModelSerializer):
    scores = ScoreSerializer(many=True, read_only=True)
    initiative = serializers.IntegerField(source="assignment.initiative_id", read_only=True)
    reviewer = serializers.CharField(source="assignment.reviewer.username", read_only=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "assignment",
            "initiative",
            "reviewer",
            "scores",
            "total",
            "comment",
            "submitted",
            "submitted_at",
        ]
        read_only_fields = fields


class ReviewInputSerializer(serializers.Serializer):
    assignment = serializers.IntegerField()
    scores = ScoreSerializer(many=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    submit = serializers.BooleanField(required=False, default=False)


@extend_schema_serializer(component_name="ReviewAssignment")
class AssignmentSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="initiative.title", read_only=True)
    submitted = serializers.SerializerMethodField()

    class Meta:
        model = ReviewAssignment
        fields = ["id", "initiative", "title", "submitted"]

    def get_submitted(self, obj) -> bool:
        review = getattr(obj, "review", None)
        return bool(review and review.submitted)


class ReviewViewSet(viewsets.ReadOnlyModelViewSet):
    """Score sheets: a reviewer sees their own, and the others' on an initiative only after submitting theirs.
    POST saves (or with "submit": true, submits) the caller's sheet for one of their assignments."""

    serializer_class = ReviewSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = ReviewFilter

    def get_queryset(self):
        return selectors.reviews_visible_to(self.request.user).prefetch_related("scores").order_by("pk")

    @extend_schema(
        request=ReviewInputSerializer,
        responses={201: ReviewSerializer, 404: OpenApiResponse(description="no assignment of the caller's")},
    )
    def create(self, request):
        payload = ReviewInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        assignment = selectors.assignments_of(request.user).filter(pk=data["assignment"]).first()
        if assignment is None:
            raise NotFound(_("Không tìm thấy phân công chấm của bạn."))
        review = services.review_save(
            assignment=assignment,
            scores={row["criterion"].pk: (row["points"], row["justification"]) for row in data["scores"]},
            comment=data["comment"],
            submit=data["submit"],
            actor=request.user,
        )
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: AssignmentSerializer(many=True)})
    @action(detail=False, methods=["get"])
    def assignments(self, request):
        """The caller's own review assignments."""
        return Response(AssignmentSerializer(selectors.assignments_of(request.user), many=True).data)


#: Refusals of the scope rules that carry their own stable code in the API answer (dossiers.initiative_scope).
CODED_REFUSALS = ("scope_exceeds_council", "central_recognition_required")


def _coded(view, exc: DjangoValidationError) -> Response:
    """A service's refusal answered as every invalid input is (400 problem details, the messages per field),
    with the refusal's own code in place of the generic one."""
    response = view.get_exception_handler()(exc, view.get_exception_handler_context())
    errors = getattr(exc, "error_dict", None) or {"non_field_errors": exc.error_list}
    code = next((e.code for errs in errors.values() for e in errs if e.code in CODED_REFUSALS), None)
    if code and isinstance(response.data, dict):
        response.data["code"] = code
        if "type" in response.data:
            base = str(response.data["type"]).rsplit("/", 1)[0]
            response.data["type"] = f"{base}/{code.replace('_', '-')}"
    return response
