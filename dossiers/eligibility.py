"""Eligibility rules read from the catalogue and checked against a nominee's history.

Each EligibilityRule row has a kind and JSON parameters:

rating_min           {"rating": "HTT"}                       rated at least this in the proposal year
consecutive_titles   {"award": "cstdcs", "years": 3}         that title N consecutive years, the run ending in
                                                             the proposal year or the year before
initiative_scope     {"scope": "city", "count": 1, "within_years": 3}
                                                             N recognised initiatives of at least that scope
prior_award          {"awards": ["bk-tp", "bk-bo"]}          already holds one of these (any earlier year)
min_interval_years   {"awards": ["bk-tp"], "years": 2}       none of these within the last N years
rating_streak        {"years": 5, "rating": "HTT", "excellent_min": 1}
                                                             N consecutive years up to the proposal year rated
                                                             at least `rating`, at least `excellent_min` HTXS
title_count          {"award": "cstdcs", "count": 3, "window_years": 5}
collective_ratio     {"field": "members_advanced", "min_percent": 50, "strict": true} | {"field": ..., "max": 0}
                     | {"field": ..., "min": 1}              read from the dossier line's declared figures
no_hold              {}                                      no pending discipline, inspection or complaint
any_of               {"options": [{"kind": ..., "parameters": {...}, "label": "..."}, ...]}
all_of               same shape; every option must pass
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from organisations import predecessors_of

from .models import AwardRecord, AwardType, EligibilityRule, Nominee, RecipientKind, RecordStatus, RuleKind
from .models.nominees import RATING_RANK, SCOPE_RANK, InitiativeRecognition, Rating, YearlyRating


@dataclass(frozen=True)
class Outcome:
    rule: EligibilityRule
    passed: bool
    detail: str
    #: failed on confirmed records, would pass once the Board confirms what the unit declared
    pending: bool = False

    @property
    def blocking(self) -> bool:
        return self.rule.is_blocking and not self.passed

    @property
    def warning(self) -> bool:
        return not self.rule.is_blocking and not self.passed

    def message(self) -> str:
        text = f"{self.rule.description}: {self.detail} ({self.rule.legal_source})"
        if self.pending:
            text += " — " + _("chờ Ban TĐKT xác nhận quá trình đơn vị đã khai báo")
        return text


class History:
    """What the rules read about one nominee, loaded once: only records the Board confirmed (or that were
    decided here), or, with `include_declared`, also those a unit declared and the Board has not yet checked."""

    def __init__(
        self, nominee: Nominee, *, exclude_line_id: int | None = None, include_declared: bool = False
    ):
        statuses = [RecordStatus.CONFIRMED] + ([RecordStatus.DECLARED] if include_declared else [])
        lineage = _lineage(nominee)
        records = AwardRecord.objects.filter(nominee__in=lineage, status__in=statuses).select_related("award")
        if exclude_line_id:
            records = records.exclude(dossier_nominee_id=exclude_line_id)
        self.nominee = nominee
        self.titles: dict[str, set[int]] = {}
        for record in records:
            self.titles.setdefault(record.award.code, set()).add(record.year)
        ratings = YearlyRating.objects.filter(nominee__in=lineage, status__in=statuses).order_by("status")
        # a confirmed rating wins over a declared one of the same year ("confirmed" sorts before "declared")
        self.ratings = {}
        for rating_year, rating in ratings.values_list("year", "rating"):
            self.ratings.setdefault(rating_year, rating)
        self.initiatives = list(
            InitiativeRecognition.objects.filter(nominee__in=lineage, status__in=statuses).values_list(
                "scope", "year"
            )
        )

    def years_with(self, codes) -> set[int]:
        years: set[int] = set()
        for code in _as_list(codes):
            years |= self.titles.get(code, set())
        return years


def _lineage(nominee: Nominee) -> list[int]:
    """The nominee and, for a collective that is a unit itself (no sub-unit named), the same collective under
    the units it succeeds (organisations.predecessors_of): a title won by phường Tân An counts for phường
    Ninh Kiều that Tân An merged into. A person's history is theirs whatever their unit became."""
    ids = [nominee.pk]
    if nominee.kind == RecipientKind.COLLECTIVE and not nominee.sub_unit:
        ids += Nominee.objects.filter(
            kind=RecipientKind.COLLECTIVE, sub_unit="", unit__in=predecessors_of(nominee.unit)
        ).values_list("pk", flat=True)
    return ids


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _names(codes) -> str:
    codes = _as_list(codes)
    names = dict(AwardType.objects.filter(code__in=codes).values_list("code", "name"))
    return " / ".join(names.get(code, code) for code in codes)


def _longest_run_ending(years: set[int], end: int) -> int:
    run = 0
    while end - run in years:
        run += 1
    return run


def check_rule(kind: str, params: dict, history: History, year: int, line=None) -> tuple[bool, str]:
    """Evaluate one rule kind; returns (passed, what was found, in Vietnamese)."""
    if kind == RuleKind.RATING_MIN:
        wanted = params.get("rating", Rating.GOOD)
        rating = history.ratings.get(year)
        if rating is None:
            return False, _("chưa có xếp loại năm %(year)s") % {"year": year}
        return RATING_RANK[rating] >= RATING_RANK[wanted], _("năm %(year)s xếp loại %(rating)s") % {
            "year": year,
            "rating": rating,
        }
    if kind == RuleKind.CONSECUTIVE_TITLES:
        needed = int(params["years"])
        years = history.years_with(params["award"])
        run = max(_longest_run_ending(years, year), _longest_run_ending(years, year - 1))
        return run >= needed, _("đạt %(run)s/%(needed)s năm liên tục %(award)s") % {
            "run": run,
            "needed": needed,
            "award": _names(params["award"]),
        }
    if kind == RuleKind.INITIATIVE_SCOPE:
        needed = int(params.get("count", 1))
        minimum = SCOPE_RANK[params["scope"]]
        within = params.get("within_years")
        found = [
            1
            for scope, recognised in history.initiatives
            if SCOPE_RANK[scope] >= minimum
            and recognised <= year
            and (not within or recognised > year - int(within))
        ]
        return len(found) >= needed, _("có %(found)s/%(needed)s sáng kiến, đề tài đủ phạm vi") % {
            "found": len(found),
            "needed": needed,
        }
    if kind == RuleKind.PRIOR_AWARD:
        years = [held for held in history.years_with(params["awards"]) if held <= year]
        if years:
            return True, _("đã được %(award)s năm %(year)s") % {
                "award": _names(params["awards"]),
                "year": max(years),
            }
        return False, _("chưa được %(award)s") % {"award": _names(params["awards"])}
    if kind == RuleKind.MIN_INTERVAL_YEARS:
        gap = int(params["years"])
        recent = [held for held in history.years_with(params["awards"]) if year - gap < held <= year]
        if recent:
            return False, _("đã được %(award)s năm %(year)s, chưa đủ %(gap)s năm") % {
                "award": _names(params["awards"]),
                "year": max(recent),
                "gap": gap,
            }
        return True, _("không có lần khen nào trong %(gap)s năm gần nhất") % {"gap": gap}
    if kind == RuleKind.RATING_STREAK:
        needed = int(params["years"])
        wanted = RATING_RANK[params.get("rating", Rating.GOOD)]
        run = 0
        excellent = 0
        while run < needed and RATING_RANK.get(history.ratings.get(year - run), 0) >= wanted:
            excellent += history.ratings[year - run] == Rating.EXCELLENT
            run += 1
        excellent_min = int(params.get("excellent_min", 0))
        passed = run >= needed and excellent >= excellent_min
        detail = _("%(run)s/%(needed)s năm liên tục đạt %(rating)s trở lên") % {
            "run": run,
            "needed": needed,
            "rating": params.get("rating", Rating.GOOD),
        }
        if excellent_min:
            detail += _(", trong đó %(found)s/%(needed)s năm HTXS") % {
                "found": excellent,
                "needed": excellent_min,
            }
        return passed, detail
    if kind == RuleKind.TITLE_COUNT:
        window = int(params["window_years"])
        needed = int(params["count"])
        found = len([held for held in history.years_with(params["award"]) if year - window < held <= year])
        return found >= needed, _("%(found)s/%(needed)s lần %(award)s trong %(window)s năm") % {
            "found": found,
            "needed": needed,
            "award": _names(params["award"]),
            "window": window,
        }
    if kind == RuleKind.COLLECTIVE_RATIO:
        return _collective_ratio(params, line)
    if kind == RuleKind.NO_HOLD:
        if history.nominee.on_hold:
            return False, history.nominee.hold_reason or _("đang bị tạm dừng xét khen thưởng")
        from .integrity import holds_in_force

        held = holds_in_force([history.nominee.pk]).get(history.nominee.pk)
        if held:
            return False, "; ".join(hold.describe() for hold in held)
        return True, _("không có")
    if kind == RuleKind.ANY_OF:
        details = []
        for option in params["options"]:
            passed, detail = check_rule(option["kind"], option.get("parameters", {}), history, year, line)
            if passed:
                return True, f"{option.get('label', '')}: {detail}".strip(": ")
            details.append(f"{option.get('label', '')}: {detail}".strip(": "))
        return False, "; ".join(details)
    if kind == RuleKind.ALL_OF:
        details = []
        passed_all = True
        for option in params["options"]:
            passed, detail = check_rule(option["kind"], option.get("parameters", {}), history, year, line)
            passed_all = passed_all and passed
            details.append(f"{option.get('label', '')}: {detail}".strip(": "))
        return passed_all, "; ".join(details)
    raise ValueError(f"unknown eligibility rule kind {kind!r}")


def _collective_ratio(params: dict, line) -> tuple[bool, str]:
    field = params["field"]
    total = getattr(line, "members_total", None) if line is not None else None
    value = getattr(line, field, None) if line is not None else None
    if value is None or (("min_percent" in params) and not total):
        return False, _("chưa khai báo số liệu thành viên của tập thể")
    if "max" in params:
        return value <= int(params["max"]), _("%(value)s thành viên") % {"value": value}
    if "min" in params:
        return value >= int(params["min"]), _("%(value)s thành viên") % {"value": value}
    percent = Decimal(value) * 100 / Decimal(total)
    minimum = Decimal(str(params["min_percent"]))
    passed = percent > minimum if params.get("strict") else percent >= minimum
    shown = f"{percent:.1f}".replace(".", ",")
    return passed, _("%(value)s/%(total)s = %(percent)s %%") % {
        "value": value,
        "total": total,
        "percent": shown,
    }


def evaluate(nominee: Nominee, award: AwardType, year: int, line=None) -> list[Outcome]:
    """Every rule of the award, checked for the nominee in the proposal year (recipient kind first)."""
    history = History(nominee, exclude_line_id=getattr(line, "pk", None))
    declared = None
    outcomes = []
    for rule in award.rules.all():
        passed, detail = check_rule(rule.kind, rule.parameters, history, year, line)
        pending = False
        if not passed:
            if declared is None:
                declared = History(nominee, exclude_line_id=getattr(line, "pk", None), include_declared=True)
            pending = check_rule(rule.kind, rule.parameters, declared, year, line)[0]
        outcomes.append(Outcome(rule, passed, detail, pending))
    return outcomes


def blocking_errors(nominee: Nominee, award: AwardType, year: int, line=None) -> list[str]:
    """Messages of failed blocking rules, plus a wrong recipient kind; empty when the nominee may be proposed."""
    errors = []
    if not award.accepts(nominee.kind):
        errors.append(
            _("%(award)s không dành cho đối tượng «%(kind)s».")
            % {"award": award.name, "kind": nominee.get_kind_display()}
        )
    errors += [outcome.message() for outcome in evaluate(nominee, award, year, line) if outcome.blocking]
    return errors
