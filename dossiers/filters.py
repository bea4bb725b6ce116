"""Filters and ordering of the dossier, line and nominee lists of the API (workflows/filters.py: the rules)."""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext_lazy as _

from workflows.filters import choice_filter, id_filter, ordering, text_filter, year_filter

from . import selectors
from .models import Dossier, DossierNominee, DossierState, Nominee, NomineeState


class DossierFilter(filters.FilterSet):
    """The web list's search and filters (selectors.dossier_search), plus ordering."""

    q = text_filter(
        max_length=100,
        method="filter_search",
        help_text=_("tên người được đề nghị, trích yếu, số hồ sơ, số quyết định"),
    )
    unit = id_filter("unit_id", _("đơn vị đề nghị (mã số)"))
    award = text_filter(
        max_length=40, method="filter_award", help_text=_("mã danh hiệu: hồ sơ có dòng đề nghị danh hiệu này")
    )
    year = year_filter(help_text=_("năm thành tích"))
    state = choice_filter(DossierState.choices, help_text=_("trạng thái"))
    ordering = ordering("year", "state", "title", "submitted_at", "deadline")

    class Meta:
        model = Dossier
        fields = []

    def filter_search(self, queryset, name, value):
        return selectors.dossier_search(queryset, query=value.strip())

    def filter_award(self, queryset, name, value):
        return selectors.dossier_search(queryset, award_code=value.strip())


class LineFilter(filters.FilterSet):
    state = choice_filter(NomineeState.choices, help_text=_("kết quả của dòng"))
    dossier = id_filter("dossier_id", _("hồ sơ (mã số)"))
    award = text_filter(max_length=40, method="filter_award", help_text=_("mã danh hiệu (mọi phiên bản)"))
    ordering = ordering("state", ("dossier_id", "dossier"), ("nominee__full_name", "nominee_name"))

    class Meta:
        model = DossierNominee
        fields = []

    def filter_award(self, queryset, name, value):
        return queryset.filter(award__code=value.strip())


class NomineeFilter(filters.FilterSet):
    unit = id_filter("unit_id", _("đơn vị quản lý (mã số)"))
    kind = choice_filter(Nominee._meta.get_field("kind").choices, field_name="kind", help_text=_("đối tượng"))
    ordering = ordering("full_name", "kind")

    class Meta:
        model = Nominee
        fields = []
