"""Rule versions (RuleVersion): which version applies to an achievement, no two versions in force at once,
and the Board's edits (a new version copied from another, its fields, its award types and their rules, its
dates), each audited with before/after values.

Which version applies: the one in force on the last day of the achievement period. A dossier's achievements
are those of its `year`, so a line is judged by the version in force on 31 December of that year (2022 →
Decree 91/2017, 2024 → Decree 98/2023, 2025 → Decree 152/2025). The line records it when it is created and
keeps it: a later edit or a new version never changes a line already made.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from .models.catalogue import AwardType, RuleVersion, ranges_overlap_q


def _day(value) -> str:
    return value.strftime("%d/%m/%Y") if value else "…"


def period_end(year: int) -> date:
    """The last day of the achievement period of a dossier of `year` (calendar year)."""
    return date(year, 12, 31)


def version_for_year(year: int) -> RuleVersion | None:
    """The rule version that applies to achievements of `year`; None when no version covers that day."""
    return RuleVersion.objects.effective_on(period_end(year)).first()


def version_overlap_errors(version: RuleVersion) -> dict:
    """{field: message} when `version`'s dates meet another dated version's (one set of rules per day)."""
    if version.effective_from is None:
        return {}
    if version.effective_to is not None and version.effective_to < version.effective_from:
        return {"effective_to": _("Ngày hết hiệu lực phải sau ngày có hiệu lực.")}
    other = (
        RuleVersion.objects.filter(ranges_overlap_q(version.effective_from, version.effective_to))
        .exclude(pk=version.pk)
        .first()
    )
    if other is None:
        return {}
    return {
        "effective_from": _("Thời gian hiệu lực chồng lên phiên bản «%(other)s» (%(start)s – %(end)s).")
        % {"other": other.name, "start": _day(other.effective_from), "end": _day(other.effective_to)}
    }


def award_overlap_errors(award: AwardType) -> dict:
    """{field: message} when another dated version of the same award is in force on a day of `award`'s."""
    if award.effective_from is None or not award.code:
        return {}
    other = (
        AwardType.objects.filter(ranges_overlap_q(award.effective_from, award.effective_to), code=award.code)
        .exclude(pk=award.pk)
        .first()
    )
    if other is None:
        return {}
    return {
        "effective_from": _("«%(award)s» đã có một phiên bản khác có hiệu lực từ %(start)s đến %(end)s.")
        % {"award": other.name, "start": _day(other.effective_from), "end": _day(other.effective_to)}
    }
