"""API: /api/plans/ and /api/activities/ (with transitions/ and history/ per the convention)."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers, viewsets

from plan.models import Activity, Plan
from workflows.api import TransitionsMixin

from .deadlines import effective_due, working_days_late
from .filters import ActivityFilter, PlanFilter
from .selectors import process_info


class PlanSerializer(serializers.ModelSerializer):
    activity_count = serializers.IntegerField(source="activities.count", read_only=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "year",
            "number",
            "title",
            "issuing_body",
            "issued_on",
            "purposes",
            "requirements",
            "duties",
            "copied_from",
            "activity_count",
        ]
        read_only_fields = fields


class PlanViewSet(viewsets.ReadOnlyModelViewSet):
    """The city's annual plans (a published document: every signed-in user reads them)."""

    queryset = Plan.objects.order_by("-year")
    serializer_class = PlanSerializer
    filterset_class = PlanFilter


class ActivitySerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="plan.year", read_only=True)
    lead_unit_code = serializers.CharField(source="lead_unit.code", read_only=True)
    lead_unit_name = serializers.CharField(source="lead_unit.name", read_only=True)
    coordinating_units = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    effective_due_date = serializers.SerializerMethodField()
    working_days_late = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    process = serializers.SerializerMethodField()

    class Meta:
        model = Activity
        fields = [
            "id",
            "plan",
            "year",
            "number",
            "quarter",
            "content",
            "kind",
            "kind_label",
            "lead_unit",
            "lead_unit_code",
            "lead_unit_name",
            "coordinating_units",
            "coordinates_with_related_agencies",
            "due_text",
            "planned_due_date",
            "due_date",
            "effective_due_date",
            "state",
            "state_label",
            "working_days_late",
            "overdue",
            "started_on",
            "completed_on",
            "evidence_number",
            "evidence_date",
            "evidence_file",
            "postponement_reason",
            "cancellation_reason",
            "process",
        ]
        read_only_fields = fields

    def _today(self):
        return self.context.get("today") or timezone.localdate()

    def get_effective_due_date(self, obj) -> str:
        return effective_due(obj.due_date).isoformat()

    def get_working_days_late(self, obj) -> int:
        return working_days_late(obj, self._today())

    def get_overdue(self, obj) -> bool:
        return working_days_late(obj, self._today()) >= 1

    def get_process(self, obj) -> dict | None:
        info = process_info(obj)
        if info is None:
            return None
        return {
            "type": info["type"],
            "id": info["id"],
            "label": info["label"],
            "url": info["url"],
            "finished": info["finished"],
        }


class ActivityViewSet(TransitionsMixin, viewsets.ReadOnlyModelViewSet):
    """Plan activities; every state change goes through transitions/<name>/ (start, complete, postpone, resume,
    cancel)."""

    serializer_class = ActivitySerializer
    #: year, plan, lead unit, unit (lead or coordinating), kind, state, quarter
    filterset_class = ActivityFilter

    def get_queryset(self):
        return (
            Activity.objects.select_related("plan", "lead_unit", "process_type")
            .prefetch_related("coordinating_units")
            .order_by("plan__year", "number")
        )
