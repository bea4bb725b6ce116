"""Filters and ordering of the round, initiative and review lists of the API (workflows/filters.py: the
rules)."""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext_lazy as _

from workflows.filters import choice_filter, id_filter, ordering, year_filter

from .models import Initiative, InitiativeState, Review, Round, RoundState


class RoundFilter(filters.FilterSet):
    state = choice_filter(RoundState.choices, help_text=_("trạng thái đợt"))
    year = year_filter("submission_opens_on__year", _("năm mở nhận hồ sơ"))
    ordering = ordering("submission_opens_on", "submission_closes_on", "state", "title")

    class Meta:
        model = Round
        fields = []


class InitiativeFilter(filters.FilterSet):
    state = choice_filter(InitiativeState.choices, help_text=_("trạng thái sáng kiến"))
    round = id_filter("round_id", _("đợt (mã số)"))
    unit = id_filter("unit_id", _("đơn vị (mã số)"))
    ordering = ordering("title", "state", "created_at", "average_score")

    class Meta:
        model = Initiative
        fields = []


class ReviewFilter(filters.FilterSet):
    round = id_filter("assignment__initiative__round_id", _("đợt (mã số)"))
    ordering = ordering("total", "submitted_at")

    class Meta:
        model = Review
        fields = []
