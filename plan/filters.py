"""Filters and ordering of the plan and activity lists of the API (workflows/filters.py: the rules)."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from workflows.filters import IntegerFilter, choice_filter, id_filter, ordering, text_filter, year_filter
from workflows.query import MAX_ID

from .models import Activity, ActivityKind, ActivityState, Plan


class PlanFilter(filters.FilterSet):
    year = year_filter(help_text=_("năm của kế hoạch"))
    ordering = ordering("year")

    class Meta:
        model = Plan
        fields = []


class ActivityFilter(filters.FilterSet):
    year = year_filter("plan__year", _("năm của kế hoạch"))
    plan = id_filter("plan_id", _("kế hoạch (mã số)"))
    lead_unit = id_filter("lead_unit_id", _("đơn vị chủ trì (mã số)"))
    unit = text_filter(
        max_length=50, method="filter_unit", help_text=_("mã hoặc mã số đơn vị (chủ trì hoặc phối hợp)")
    )
    kind = choice_filter(ActivityKind.choices, field_name="kind", help_text=_("loại hoạt động"))
    state = choice_filter(ActivityState.choices, help_text=_("trạng thái"))
    quarter = IntegerFilter(field_name="quarter", min_value=1, max_value=4, help_text=_("quý"))
    ordering = ordering(("plan__year", "year"), "number", "due_date", "state")

    class Meta:
        model = Activity
        fields = []

    def filter_unit(self, queryset, name, value):
        unit_q = Q(lead_unit__code=value) | Q(coordinating_units__code=value)
        if value.isascii() and value.isdigit() and 0 < int(value) <= MAX_ID:
            unit_q |= Q(lead_unit_id=int(value)) | Q(coordinating_units__id=int(value))
        return queryset.filter(unit_q).distinct()
