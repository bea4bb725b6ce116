"""Filters and ordering of the session and agenda-item lists of the API (workflows/filters.py: the rules)."""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext_lazy as _

from workflows.filters import choice_filter, id_filter, ordering

from .models import AgendaItem, ItemState, Session, SessionState


class SessionFilter(filters.FilterSet):
    state = choice_filter(SessionState.choices, help_text=_("trạng thái phiên họp"))
    council = id_filter("council_term__council_id", _("hội đồng (mã số)"))
    term = id_filter("council_term_id", _("nhiệm kỳ hội đồng (mã số)"))
    ordering = ordering("planned_on", "state", "title")

    class Meta:
        model = Session
        fields = []


class AgendaItemFilter(filters.FilterSet):
    session = id_filter("session_id", _("phiên họp (mã số)"))
    state = choice_filter(ItemState.choices, help_text=_("trạng thái nội dung"))
    ordering = ordering(("session_id", "session"), "order", "state")

    class Meta:
        model = AgendaItem
        fields = []
