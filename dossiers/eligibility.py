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

Occasion (DOMAIN.md §2, issue 16). Only awards for regular yearly merit (công trạng, thường xuyên: occasion
"annual") make merit chains: thematic, sudden, tenure and foreign awards are not counted by consecutive_titles
and title_count. And a line proposed for another occasion than "annual" is not held to the merit-chain rules
(MERIT_CHAIN_KINDS: consecutive_titles, rating_streak, title_count, prior_award; a sudden achievement needs no
streak): they are shown as not applying. Any rule may name the occasions it applies to in its parameters
({"occasions": ["annual", "sudden"]}), which overrides that default.

Discipline. A discipline hold (NomineeHold of kind discipline, not lifted) breaks the chains: achievements
count again only from the period after the one its end date falls in (an open-ended one: none yet), and the
explanation says so with the dates.

Rating calendar. Periods are counted on the nominee's sector calendar (Unit.rating_calendar): the calendar
year, or the school year for education, numbered by the year it ends in (2023 is the school year 2022–2023)
and shown as "2022–2023".
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from organisations import predecessors_of
from organisations.models import RatingCalendar, period_label, period_of

from .models import (
    AwardRecord,
    AwardType,
    EligibilityRule,
    Nominee,
    OccasionKind,
    RecipientKind,
    RecordStatus,
    RuleKind,
)
from .models.nominees import (
    RATING_RANK,
    SCOPE_RANK,
    HoldKind,
    InitiativeRecognition,
    NomineeHold,
    Rating,
    YearlyRating,
)

#: Rules that read a chain of earlier merit (consecutive years, counts, the award ladder): they do not hold a
#: line proposed for a thematic, sudden, tenure or foreign award (unless the rule's "occasions" says so).
MERIT_CHAIN_KINDS = (
    RuleKind.CONSECUTIVE_TITLES,
    RuleKind.RATING_STREAK,
    RuleKind.TITLE_COUNT,
    RuleKind.PRIOR_AWARD,
)
#: Rules that count consecutive periods or titles in a window: a discipline breaks them.
STREAK_KINDS = (RuleKind.CONSECUTIVE_TITLES, RuleKind.RATING_STREAK, RuleKind.TITLE_COUNT)


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
        self,
        nominee: Nominee,
        *,
        exclude_line_id: int | None = None,
        include_declared: bool = False,
        rows: tuple | None = None,
    ):
        """`rows`: (records as (code, year, occasion), ratings as (year, rating) confirmed first, initiatives as
        (scope, year), disciplines) already read for this nominee (histories_of_lines); else read here."""
        if rows is None:
            statuses = [RecordStatus.CONFIRMED] + ([RecordStatus.DECLARED] if include_declared else [])
            lineage = _lineage(nominee)
            records = AwardRecord.objects.filter(nominee__in=lineage, status__in=statuses).select_related(
                "award"
            )
            if exclude_line_id:
                records = records.exclude(dossier_nominee_id=exclude_line_id)
            records = [(record.award.code, record.year, record.occasion) for record in records]
            # a confirmed rating wins over a declared one of the same year ("confirmed" sorts before "declared")
            ratings = YearlyRating.objects.filter(nominee__in=lineage, status__in=statuses).order_by("status")
            ratings = ratings.values_list("year", "rating")
            initiatives = InitiativeRecognition.objects.filter(
                nominee__in=lineage, status__in=statuses
            ).values_list("scope", "year")
            disciplines = None
        else:
            records, ratings, initiatives, disciplines = rows
        self.nominee = nominee
        self.calendar = _calendar_of(nominee)
        self.titles: dict[str, set[int]] = {}
        #: the titles of regular yearly merit only: what merit chains count
        self.merit_titles: dict[str, set[int]] = {}
        for code, year, occasion in records:
            self.titles.setdefault(code, set()).add(year)
            if occasion == OccasionKind.ANNUAL:
                self.merit_titles.setdefault(code, set()).add(year)
        self.ratings = {}
        for rating_year, rating in ratings:
            self.ratings.setdefault(rating_year, rating)
        self.initiatives = list(initiatives)

        self._disciplines = disciplines

    def years_with(self, codes, *, merit_only: bool = False) -> set[int]:
        titles = self.merit_titles if merit_only else self.titles
        years: set[int] = set()
        for code in _as_list(codes):
            years |= titles.get(code, set())
        return years

    def label(self, year: int) -> str:
        """A period as it reads on the nominee's calendar: "2023" or "2022–2023"."""
        return period_label(year, self.calendar)

    @property
    def period_word(self) -> str:
        return _("năm học") if self.calendar == RatingCalendar.SCHOOL_YEAR else _("năm")

    def disciplines(self) -> list[NomineeHold]:
        """The nominee's discipline holds not lifted (a lifted one was annulled); loaded once."""
        if self._disciplines is None:
            self._disciplines = list(
                NomineeHold.objects.filter(
                    nominee=self.nominee, kind=HoldKind.DISCIPLINE, lifted_on__isnull=True
                )
            )
        return self._disciplines

    def counts_from(self, year: int) -> tuple[int | None, NomineeHold | None]:
        """The first period whose achievements count toward a chain for a proposal in `year`, and the discipline
        that sets it: the period after the one the latest discipline ended in (None: a discipline not ended
        yet, nothing counts); (None, None) when no discipline started by then."""
        started = [hold for hold in self.disciplines() if period_of(hold.starts_on, self.calendar) <= year]
        if not started:
            return None, None
        open_ended = [hold for hold in started if hold.ends_on is None]
        if open_ended:
            return None, open_ended[0]
        latest = max(started, key=lambda hold: hold.ends_on)
        return period_of(latest.ends_on, self.calendar) + 1, latest

    def discipline_cut(self, year: int) -> tuple[int, str]:
        """(first counted period, explanation) for chains in `year`; (0, "") without discipline."""
        start, hold = self.counts_from(year)
        if hold is None:
            return 0, ""
        if start is None:
            return year + 1, _("%(hold)s chưa kết thúc: chưa tính thành tích nào") % {"hold": hold.describe()}
        return start, _("sau %(hold)s chỉ tính thành tích từ %(word)s %(period)s") % {
            "hold": hold.describe(),
            "word": self.period_word,
            "period": self.label(start),
        }


def histories_of_lines(lines) -> dict[int, History]:
    """{line id: History(line.nominee, exclude_line_id=line.id)} of many lines (their nominees read with them),
    the same histories in four statements whatever the number of lines (records, ratings, initiatives and
    disciplines of all the nominees at once) instead of four a line. A collective whose history runs through
    the units it succeeds (_lineage) is read on its own, as History does."""
    histories: dict[int, History] = {}
    alone = [line for line in lines if _lineage_is_own(line.nominee)]
    for line in lines:
        if not _lineage_is_own(line.nominee):
            histories[line.pk] = History(line.nominee, exclude_line_id=line.pk)
    ids = {line.nominee_id for line in alone}
    if not ids:
        return histories
    confirmed = {"nominee_id__in": ids, "status__in": [RecordStatus.CONFIRMED]}
    records: dict[int, list[tuple]] = {}
    for nominee_id, line_id, code, year, occasion in AwardRecord.objects.filter(**confirmed).values_list(
        "nominee_id", "dossier_nominee_id", "award__code", "year", "occasion"
    ):
        records.setdefault(nominee_id, []).append((line_id, code, year, occasion))
    ratings: dict[int, list[tuple]] = {}
    for nominee_id, year, rating in (
        YearlyRating.objects.filter(**confirmed)
        .order_by("status", "pk")
        .values_list("nominee_id", "year", "rating")
    ):
        ratings.setdefault(nominee_id, []).append((year, rating))
    initiatives: dict[int, list[tuple]] = {}
    for nominee_id, scope, year in InitiativeRecognition.objects.filter(**confirmed).values_list(
        "nominee_id", "scope", "year"
    ):
        initiatives.setdefault(nominee_id, []).append((scope, year))
    disciplines: dict[int, list[NomineeHold]] = {}
    for hold in NomineeHold.objects.filter(
        nominee_id__in=ids, kind=HoldKind.DISCIPLINE, lifted_on__isnull=True
    ):
        disciplines.setdefault(hold.nominee_id, []).append(hold)
    for line in alone:
        own = [
            (code, year, occasion)
            for line_id, code, year, occasion in records.get(line.nominee_id, ())
            if line_id != line.pk
        ]
        histories[line.pk] = History(
            line.nominee,
            rows=(
                own,
                ratings.get(line.nominee_id, ()),
                initiatives.get(line.nominee_id, ()),
                list(disciplines.get(line.nominee_id, ())),
            ),
        )
    return histories


def _lineage_is_own(nominee: Nominee) -> bool:
    """A nominee whose history is their own records only (_lineage: [nominee.pk])."""
    return not (nominee.kind == RecipientKind.COLLECTIVE and not nominee.sub_unit)


def _calendar_of(nominee: Nominee) -> str:
    return getattr(nominee.unit, "rating_calendar", "") or RatingCalendar.CALENDAR_YEAR


def record_calendar(nominee: Nominee) -> str:
    """The calendar a new rating or award record of `nominee` is on: its unit's sector calendar."""
    return _calendar_of(nominee)


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


#: While set (award_names_read_once), the award names already read by _names, by their codes.
_NAMES: ContextVar[dict | None] = ContextVar("eligibility_award_names", default=None)


@contextmanager
def award_names_read_once():
    """Within the block, the names of the awards a rule names are read once (many lines, the same rules)."""
    token = _NAMES.set({})
    try:
        yield
    finally:
        _NAMES.reset(token)


def _names(codes) -> str:
    codes = _as_list(codes)
    memo = _NAMES.get()
    key = tuple(codes)
    if memo is not None and key in memo:
        return memo[key]
    names = dict(AwardType.objects.filter(code__in=codes).values_list("code", "name"))
    text = " / ".join(names.get(code, code) for code in codes)
    if memo is not None:
        memo[key] = text
    return text


def _longest_run_ending(years: set[int], end: int) -> int:
    run = 0
    while end - run in years:
        run += 1
    return run


def rule_applies(kind: str, params: dict, occasion: str) -> bool:
    """Whether a rule holds a line of `occasion`: the rule's own "occasions" when it names them, otherwise
    every rule but the merit chains for an occasion other than regular yearly merit."""
    occasions = params.get("occasions")
    if occasions is not None:
        return occasion in _as_list(occasions)
    return occasion == OccasionKind.ANNUAL or kind not in MERIT_CHAIN_KINDS


def _occasion_label(occasion: str) -> str:
    try:
        return str(OccasionKind(occasion).label)
    except ValueError:
        return occasion


def _with_note(detail: str, note: str) -> str:
    return f"{detail}; {note}" if note else detail


def _span(history: History, run: int, end: int) -> str:
    """ " (2020–2021 đến 2022–2023)" on the school year, the periods a run of `run` ending in `end` covers."""
    if history.calendar != RatingCalendar.SCHOOL_YEAR or run <= 0:
        return ""
    if run == 1:
        return f" ({history.label(end)})"
    return " (%s)" % (
        _("%(first)s đến %(last)s") % {"first": history.label(end - run + 1), "last": history.label(end)}
    )


def check_rule(
    kind: str, params: dict, history: History, year: int, line=None, occasion: str = OccasionKind.ANNUAL
) -> tuple[bool, str]:
    """Evaluate one rule kind for a line of `occasion`; returns (passed, what was found, in Vietnamese)."""
    if not rule_applies(kind, params, occasion):
        return True, _("không áp dụng với khen thưởng %(occasion)s") % {
            "occasion": _occasion_label(occasion).lower()
        }
    if kind == RuleKind.RATING_MIN:
        wanted = params.get("rating", Rating.GOOD)
        rating = history.ratings.get(year)
        if rating is None:
            return False, _("chưa có xếp loại %(word)s %(year)s") % {
                "word": history.period_word,
                "year": history.label(year),
            }
        return RATING_RANK[rating] >= RATING_RANK[wanted], _("%(word)s %(year)s xếp loại %(rating)s") % {
            "word": history.period_word,
            "year": history.label(year),
            "rating": rating,
        }
    if kind == RuleKind.CONSECUTIVE_TITLES:
        needed = int(params["years"])
        first, note = history.discipline_cut(year)
        years = {held for held in history.years_with(params["award"], merit_only=True) if held >= first}
        run, end = max(
            (_longest_run_ending(years, year), year), (_longest_run_ending(years, year - 1), year - 1)
        )
        detail = _("đạt %(run)s/%(needed)s %(word)s liên tục %(award)s") % {
            "run": run,
            "needed": needed,
            "word": history.period_word,
            "award": _names(params["award"]),
        }
        return run >= needed, _with_note(detail + _span(history, run, end), note)
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
        first, note = history.discipline_cut(year)
        run = 0
        excellent = 0
        while (
            run < needed
            and year - run >= first
            and RATING_RANK.get(history.ratings.get(year - run), 0) >= wanted
        ):
            excellent += history.ratings[year - run] == Rating.EXCELLENT
            run += 1
        excellent_min = int(params.get("excellent_min", 0))
        passed = run >= needed and excellent >= excellent_min
        detail = _("%(run)s/%(needed)s %(word)s liên tục đạt %(rating)s trở lên") % {
            "run": run,
            "needed": needed,
            "word": history.period_word,
            "rating": params.get("rating", Rating.GOOD),
        }
        detail += _span(history, run, year)
        if excellent_min:
            detail += _(", trong đó %(found)s/%(needed)s %(word)s HTXS") % {
                "found": excellent,
                "needed": excellent_min,
                "word": history.period_word,
            }
        return passed, _with_note(detail, note)
    if kind == RuleKind.TITLE_COUNT:
        window = int(params["window_years"])
        needed = int(params["count"])
        first, note = history.discipline_cut(year)
        found = len(
            [
                held
                for held in history.years_with(params["award"], merit_only=True)
                if year - window < held <= year and held >= first
            ]
        )
        detail = _("%(found)s/%(needed)s lần %(award)s trong %(window)s %(word)s") % {
            "found": found,
            "needed": needed,
            "award": _names(params["award"]),
            "window": window,
            "word": history.period_word,
        }
        return found >= needed, _with_note(detail, note)
    if kind == RuleKind.COLLECTIVE_RATIO:
        return _collective_ratio(params, line)
    if kind == RuleKind.NO_HOLD:
        from .integrity import holds_in_force

        held = holds_in_force([history.nominee.pk]).get(history.nominee.pk)
        if held:
            return False, "; ".join(hold.describe() for hold in held)
        return True, _("không có")
    if kind == RuleKind.ANY_OF:
        details = []
        for option in params["options"]:
            passed, detail = check_rule(
                option["kind"], option.get("parameters", {}), history, year, line, occasion
            )
            if passed:
                return True, f"{option.get('label', '')}: {detail}".strip(": ")
            details.append(f"{option.get('label', '')}: {detail}".strip(": "))
        return False, _joined(details, history, year)
    if kind == RuleKind.ALL_OF:
        details = []
        passed_all = True
        for option in params["options"]:
            passed, detail = check_rule(
                option["kind"], option.get("parameters", {}), history, year, line, occasion
            )
            passed_all = passed_all and passed
            details.append(f"{option.get('label', '')}: {detail}".strip(": "))
        return passed_all, _joined(details, history, year)
    raise ValueError(f"unknown eligibility rule kind {kind!r}")


def _joined(details: list[str], history: History, year: int) -> str:
    """The options' findings of a composite rule, the discipline note said once at the end, not per option."""
    note = history.discipline_cut(year)[1]
    if note and sum(note in detail for detail in details) > 1:
        details = [detail.replace(f"; {note}", "") for detail in details] + [note]
    return "; ".join(details)


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


def line_occasion(line, occasion: str | None = None) -> str:
    """The occasion a check is for: the one asked, else the line's dossier's, else regular yearly merit."""
    if occasion:
        return occasion
    dossier = getattr(line, "dossier", None) if line is not None else None
    return getattr(dossier, "occasion", None) or OccasionKind.ANNUAL


def evaluate(
    nominee: Nominee,
    award: AwardType,
    year: int,
    line=None,
    occasion: str | None = None,
    *,
    history: History | None = None,
) -> list[Outcome]:
    """Every rule of the award, checked for the nominee in the proposal year, for the line's occasion (its
    dossier's; `occasion` when given; regular yearly merit otherwise). `history`: the nominee's confirmed history
    already read for this line (histories_of_lines)."""
    occasion = line_occasion(line, occasion)
    if history is None:
        history = History(nominee, exclude_line_id=getattr(line, "pk", None))
    declared = None
    outcomes = []
    for rule in award.rules.all():
        passed, detail = check_rule(rule.kind, rule.parameters, history, year, line, occasion)
        pending = False
        if not passed:
            if declared is None:
                declared = History(nominee, exclude_line_id=getattr(line, "pk", None), include_declared=True)
            pending = check_rule(rule.kind, rule.parameters, declared, year, line, occasion)[0]
        outcomes.append(Outcome(rule, passed, detail, pending))
    return outcomes


def blocking_errors(
    nominee: Nominee,
    award: AwardType,
    year: int,
    line=None,
    occasion: str | None = None,
    *,
    history: History | None = None,
) -> list[str]:
    """Messages of failed blocking rules, plus a wrong recipient kind; empty when the nominee may be proposed."""
    errors = []
    if not award.accepts(nominee.kind):
        errors.append(
            _("%(award)s không dành cho đối tượng «%(kind)s».")
            % {"award": award.name, "kind": nominee.get_kind_display()}
        )
    errors += [
        outcome.message()
        for outcome in evaluate(nominee, award, year, line, occasion, history=history)
        if outcome.blocking
    ]
    return errors
