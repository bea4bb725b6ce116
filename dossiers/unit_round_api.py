"""API of a unit's own year-end round (dossiers.unit_round): /api/v1/unit-rounds/.

GET  /unit-rounds/                         the rounds the caller sees (filters: unit, year, state)
POST /unit-rounds/                         open one ({"unit", "year", "title"}; the unit's officer or head)
GET  /unit-rounds/{id}/                    one round, with its head count per award
POST /unit-rounds/{id}/import/             multipart `file`: the Excel list (persons; collectives on the «Tập thể»
                                           sheet); all or nothing (400, "rows": ["Dòng N: …", "Trang «Tập thể», dòng N: …"])
GET  /unit-rounds/{id}/lines/              its lines (persons and collectives, `recipient_kind`, a collective's unit
                                           and member figures), paginated, each with its eligibility while a draft
GET  /unit-rounds/{id}/transitions/        submit ({"session"}), decide ({"decision_number", "decision_date",
POST /unit-rounds/{id}/transitions/<name>/ "not_awarded": [ids]}), withdraw; 409 with the reason (quota, rows…)
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from organisations.models import Unit
from workflows.api import ErrorSerializer, TransitionsMixin, problem_response
from workflows.http import request_actor
from workflows.problems import problem

from . import unit_round as rounds
from .models import RoundState, UnitRound, UnitRoundLine


class UnitRoundSerializer(serializers.ModelSerializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    state = serializers.CharField(read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    session = serializers.PrimaryKeyRelatedField(read_only=True)
    decision_number = serializers.CharField(read_only=True)
    decision_date = serializers.DateField(read_only=True)
    summary = serializers.SerializerMethodField()

    class Meta:
        model = UnitRound
        fields = [
            "id",
            "unit",
            "year",
            "title",
            "state",
            "state_label",
            "session",
            "decision_number",
            "decision_date",
            "summary",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_summary(self, obj) -> list[dict]:
        """Per award: {"award", "total", "states": {state label: count}} (empty in the list)."""
        if self.context.get("view") is not None and getattr(self.context["view"], "action", "") == "list":
            return []
        return rounds.round_summary(obj)


class UnitRoundLineSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(source="nominee.full_name")
    #: "individual" or "collective" (the round's unit itself or one of its sub-units, identified by unit)
    recipient_kind = serializers.CharField(source="nominee.kind")
    collective_unit = serializers.SerializerMethodField()
    award_code = serializers.CharField(source="award.code")
    award_name = serializers.CharField(source="award.name")
    state_label = serializers.CharField(source="get_state_display")
    eligibility = serializers.SerializerMethodField()

    class Meta:
        model = UnitRoundLine
        fields = [
            "id",
            "row_number",
            "nominee",
            "full_name",
            "award",
            "award_code",
            "award_name",
            "rating",
            "achievement_report",
            "recipient_kind",
            "collective_unit",
            "members_total",
            "members_completed",
            "members_advanced",
            "members_grassroots_fighters",
            "members_disciplined",
            "state",
            "state_label",
            "council_explanation",
            "award_record",
            "eligibility",
        ]

    def get_collective_unit(self, obj) -> int | None:
        """The unit a collective's line is for (the collective's identity); null on a person's line."""
        return obj.nominee.unit_id if obj.nominee.kind == "collective" else None

    def get_eligibility(self, obj) -> list[str]:
        return self.context.get("eligibility", {}).get(obj.pk, [])


class LinesPage(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


class UnitRoundViewSet(TransitionsMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """A unit's own rounds: its officers and head prepare them, its council votes, its head decides; the Board,
    auditors and the chairman read them."""

    serializer_class = UnitRoundSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        found = rounds.rounds_visible_to(self.request.user).order_by("-year", "-pk")
        params = self.request.query_params
        for name in ("unit", "year"):
            value = params.get(name, "")
            if value.isdigit():
                found = found.filter(**{f"{name}_id" if name == "unit" else name: int(value)})
        if params.get("state") in RoundState.values:
            found = found.filter(state=params["state"])
        return found

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = rounds.round_create(
            unit=data["unit"], year=data["year"], title=data["title"], actor=request_actor(self.request)
        )

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "UnitRoundImport", fields={"file": serializers.FileField()}
            )
        },
        responses={
            201: inline_serializer("UnitRoundImported", fields={"created": serializers.IntegerField()}),
            400: ErrorSerializer,
            403: ErrorSerializer,
            409: ErrorSerializer,
        },
    )
    @action(detail=True, methods=["post"], url_path="import")
    def import_rows(self, request, pk=None):
        """The unit's Excel list (multipart `file`); all or nothing: 400 with "rows": ["Dòng N: …"] naming every
        bad row, nothing written."""
        unit_round = self.get_object()
        rows = rounds.read_rows(request.FILES.get("file"))
        try:
            lines = rounds.round_import(unit_round=unit_round, rows=rows, actor=request_actor(request))
        except rounds.RoundImportRefused as exc:
            messages = [str(m) for m in exc.messages]
            return problem_response(
                problem(
                    400, "invalid", messages[0] if messages else "", errors={"rows": messages}, rows=messages
                )
            )
        return Response({"created": len(lines)}, status=201)

    @extend_schema(responses={200: UnitRoundLineSerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="lines", pagination_class=LinesPage)
    def lines(self, request, pk=None):
        """The round's lines in file order; while it is a draft, each with its blocking eligibility messages."""
        unit_round = self.get_object()
        lines = unit_round.lines.select_related("nominee", "award").order_by("row_number", "pk")
        paginator = LinesPage()
        page = paginator.paginate_queryset(lines, request, view=self)
        context = self.get_serializer_context()
        if unit_round.state == RoundState.DRAFT:
            context["eligibility"] = rounds.round_eligibility(unit_round)
        return paginator.get_paginated_response(
            UnitRoundLineSerializer(page, many=True, context=context).data
        )
