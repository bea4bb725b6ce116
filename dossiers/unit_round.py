"""A unit's own year-end round (đợt bình xét của đơn vị, issue 16 "Routing by level"): the awards the unit decides
itself (route `unit_decides`: Lao động tiên tiến, Chiến sĩ thi đua cơ sở, Giấy khen…, Luật TĐKT 2022 Đ.80) are
proposed and decided inside the unit, as one batch, and never reach the Board's queue or the city chairman.

import (Excel, every bad row named, nothing written if one is bad) → eligibility for every row in one pass →
submit: every line on one session of the unit's own council (kind «unit») in one go → the council votes (all
items on one ballot) → its result comes back line by line (councils.registry) → the unit head decides: one
decision, an annex listing every awardee, the award register (AwardRecord) and each person's rating written in
bulk through engine.perform_many / audit.record_many.

Quotas (AwardQuota, per award version) cap a submission: CSTĐCS ≤ 15 % of the unit's LĐTT (where a version sets
it), Cờ thi đua của Chính phủ ≤ 20 % of the cluster and block leaders (city dossiers); a breach blocks the
submission and shows the computation ("4/20 = 20 % > 15 %").
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.db.models import CharField, IntegerField, Q, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from councils.registry import AgendaTerms, ItemResult
from organisations.models import CouncilKind, Unit
from workflows import audit, engine
from workflows.exports import safe_append
from workflows.lifecycle import internal_step, internal_steps
from workflows.policies import require
from workflows.uploads import open_xlsx_upload, sheet_key, stream_sheet_rows, unreadable_xlsx

from . import eligibility
from .identity import normalise_cccd, validate_cccd
from .integrity import REFUSED_LINE_STATES
from .models import (
    AwardQuota,
    AwardRecord,
    AwardRoute,
    AwardType,
    DossierNominee,
    DossierState,
    Nominee,
    NomineeHold,
    QuotaScope,
    Rating,
    RecipientKind,
    RecordStatus,
    RoundLineState,
    RoundState,
    RuleKind,
    UnitRound,
    UnitRoundLine,
    YearlyRating,
)
from .models.nominees import HoldKind
from .policies import may_prepare_for_unit
from .rule_versions import citations

MAX_IMPORT_BYTES = 4 * 1024 * 1024
MAX_IMPORT_ROWS = 1000
MAX_SCANNED_ROWS = 3 * MAX_IMPORT_ROWS
FIRST_DATA_ROW = 2

#: (key, column heading, explanation): the columns of the round's template, in order.
COLUMNS = (
    ("full_name", gettext_lazy("Họ và tên"), gettext_lazy("Họ và tên đầy đủ, có dấu.")),
    (
        "cccd",
        gettext_lazy("Số CCCD"),
        gettext_lazy("12 chữ số; người đã có trong hệ thống được nhận theo số này."),
    ),
    ("date_of_birth", gettext_lazy("Ngày sinh"), gettext_lazy("Ngày dạng dd/mm/yyyy (hoặc ô kiểu ngày).")),
    ("position", gettext_lazy("Chức vụ"), gettext_lazy("Chức vụ, vị trí công tác.")),
    (
        "award",
        gettext_lazy("Danh hiệu, hình thức"),
        gettext_lazy("Mã hoặc tên danh hiệu do đơn vị quyết định: %(awards)s."),
    ),
    ("rating", gettext_lazy("Xếp loại"), gettext_lazy("Xếp loại chất lượng trong năm: %(ratings)s.")),
    ("achievement", gettext_lazy("Tóm tắt thành tích"), gettext_lazy("Thành tích chủ yếu trong năm.")),
)
#: Short names the units write for the usual titles.
AWARD_ALIASES = {"lđtt": "ldtt", "cstđcs": "cstdcs", "gk": "giay-khen", "ttlđtt": "ttldtt"}


#: The sheets of the round's file: persons on the first, collectives on the one titled «Tập thể».
PERSONS = "persons"
COLLECTIVES = "collectives"
COLLECTIVES_SHEET = gettext_lazy("Tập thể")

#: (key, column heading, explanation): the first columns of the «Tập thể» sheet; the member figures follow.
COLLECTIVE_COLUMNS = (
    (
        "collective",
        gettext_lazy("Tập thể"),
        gettext_lazy(
            "Mã hoặc tên đơn vị: chính đơn vị hoặc một đơn vị trực thuộc có trong năm thành tích "
            "(%(collectives)s)."
        ),
    ),
    (
        "award",
        gettext_lazy("Danh hiệu, hình thức"),
        gettext_lazy("Mã hoặc tên danh hiệu, hình thức cho tập thể do đơn vị quyết định: %(awards)s."),
    ),
    (
        "achievement",
        gettext_lazy("Tóm tắt thành tích"),
        gettext_lazy("Thành tích chủ yếu của tập thể trong năm."),
    ),
)
#: The member figures a collective's line may carry, as the city dossier's line names them (DossierNominee).
FIGURE_FIELDS = (
    "members_total",
    "members_completed",
    "members_advanced",
    "members_grassroots_fighters",
    "members_disciplined",
)


def figure_label(name: str) -> str:
    """A member figure's column heading: "Tổng số thành viên", "Số đạt Lao động tiên tiến"…"""
    label = str(UnitRoundLine._meta.get_field(name).verbose_name)
    return label[:1].upper() + label[1:]


def row_label(sheet: str, number: int) -> str:
    """ "Dòng N" on the persons' sheet, "Trang «Tập thể», dòng N" on the collectives' one."""
    if sheet == COLLECTIVES:
        return _("Trang «%(sheet)s», dòng %(row)d") % {"sheet": COLLECTIVES_SHEET, "row": number}
    return _("Dòng %(row)d") % {"row": number}


class RoundImportRefused(ValidationError):
    """An import refused as a whole; `rows` lists (row number, message) of the persons' sheet, each shown as
    "Dòng N: …", `collective_rows` those of the «Tập thể» sheet, shown as "Trang «Tập thể», dòng N: …"."""

    def __init__(self, rows: list[tuple[int, str]], collective_rows: list[tuple[int, str]] = ()):
        self.rows = rows
        self.collective_rows = list(collective_rows)
        super().__init__(
            [f"{row_label(PERSONS, n)}: {m}" for n, m in rows]
            + [f"{row_label(COLLECTIVES, n)}: {m}" for n, m in self.collective_rows]
        )


@dataclass
class RoundRow:
    number: int
    fields: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    #: PERSONS (the first sheet) or COLLECTIVES (the «Tập thể» sheet)
    sheet: str = PERSONS


# -- the catalogue of the unit's own awards ----------------------------------------------------------------
def unit_decided_awards(year: int) -> list[AwardType]:
    """Every unit-decided award of the version that judges achievements of `year` (the one in force on 31
    December), with its rules, by code: what unit_awards and collective_unit_awards choose from (the quotas are
    read where a submission counts them, round_quota_refusals)."""
    return list(
        AwardType.objects.effective_on(date(year, 12, 31))
        .filter(route=AwardRoute.UNIT_DECIDES)
        .prefetch_related("rules")
        .order_by("code")
    )


def unit_awards(year: int, catalogue: list[AwardType] | None = None) -> dict[str, AwardType]:
    """The unit-decided awards for individuals of the version that judges achievements of `year` (the one in force
    on 31 December), by code (`catalogue`: unit_decided_awards(year) when the caller read it already)."""
    awards = unit_decided_awards(year) if catalogue is None else catalogue
    return {award.code: award for award in awards if award.accepts(RecipientKind.INDIVIDUAL)}


def collective_unit_awards(year: int, catalogue: list[AwardType] | None = None) -> dict[str, AwardType]:
    """The unit-decided awards a collective may receive (Tập thể lao động tiên tiến; Giấy khen, which is for
    anyone) of the version that judges achievements of `year`, by code: the «Tập thể» sheet's choices
    (`catalogue`: unit_decided_awards(year) when the caller read it already)."""
    awards = unit_decided_awards(year) if catalogue is None else catalogue
    return {award.code: award for award in awards if award.accepts(RecipientKind.COLLECTIVE)}


def _rule_fields(kind: str, parameters: dict) -> list[str]:
    if kind == RuleKind.COLLECTIVE_RATIO:
        return [parameters.get("field")] if parameters.get("field") else []
    if kind in (RuleKind.ANY_OF, RuleKind.ALL_OF):
        return [
            name
            for option in parameters.get("options", ())
            for name in _rule_fields(option.get("kind"), option.get("parameters", {}))
        ]
    return []


def collective_figures(award: AwardType) -> list[str]:
    """The member figures the award's rules read (collective_ratio, also inside any_of / all_of): the total
    first (a ratio is over it), then each field a rule names; none for an award without such a rule."""
    fields = []
    for rule in award.rules.all():
        for name in _rule_fields(rule.kind, rule.parameters):
            if name in FIGURE_FIELDS and name not in fields:
                fields.append(name)
    return ["members_total", *[name for name in fields if name != "members_total"]] if fields else []


def figure_columns(awards) -> list[str]:
    """The figure columns of the «Tập thể» sheet: the total and every figure a rule of `awards` reads."""
    fields = ["members_total"]
    for award in awards:
        fields += [name for name in collective_figures(award) if name not in fields]
    return [name for name in FIGURE_FIELDS if name in fields]


def collective_row_refusal(award: AwardType) -> str:
    """Why a row of the persons' sheet naming an award only a collective receives is refused: collectives go on
    the «Tập thể» sheet, with the member figures the award's rules read (collective_ratio)."""
    labels = [
        str(UnitRoundLine._meta.get_field(name).verbose_name)
        for name in collective_figures(award) or ["members_total"]
    ]
    return _(
        "«%(award)s» là danh hiệu cho tập thể: ghi dòng này ở trang «%(sheet)s» của tệp (tập thể, danh hiệu, "
        "tóm tắt thành tích và số liệu thành viên: %(figures)s), không ở danh sách cá nhân."
    ) % {"award": award.name, "sheet": COLLECTIVES_SHEET, "figures": ", ".join(labels)}


def person_award_refusal(award: AwardType) -> str:
    """Why a row of the «Tập thể» sheet naming an award only a person receives is refused."""
    return _(
        "«%(award)s» là danh hiệu cho cá nhân: ghi dòng này ở danh sách cá nhân (trang đầu của tệp)."
    ) % {"award": award.name}


def collective_units(unit: Unit, year: int) -> dict[int, Unit]:
    """The collectives a unit's round may propose, by unit id: the unit itself and its sub-units (the dated tree:
    units under it, at any depth, at some time in `year`, and in force then). Collectives are identified by
    unit (issue 16); one query per level of the tree, whatever the number of rows."""
    from organisations.models import UnitParentPeriod

    start, end = date(year, 1, 1), date(year, 12, 31)
    in_year = (Q(valid_from__isnull=True) | Q(valid_from__lte=end)) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=start)
    )
    found = {unit.pk: unit}
    frontier = [unit.pk]
    while frontier:
        dated = UnitParentPeriod.objects.filter(in_year, parent_id__in=frontier).values_list("unit_id")
        children = (
            Unit.objects.filter(in_year)
            .filter(Q(pk__in=dated) | Q(parent_id__in=frontier, parent_periods__isnull=True))
            .exclude(pk__in=list(found))
            .distinct()
        )
        frontier = []
        for child in children:
            found[child.pk] = child
            frontier.append(child.pk)
    return found


def _award_lookup(awards: dict[str, AwardType]) -> dict[str, AwardType]:
    lookup = {}
    for code, award in awards.items():
        lookup[sheet_key(code)] = award
        lookup.setdefault(sheet_key(award.name), award)
    for alias, code in AWARD_ALIASES.items():
        if code in awards:
            lookup.setdefault(sheet_key(alias), awards[code])
    return lookup


# -- the Excel file --------------------------------------------------------------------------------------------
def collective_headings(year: int) -> list[str]:
    """The headings of the «Tập thể» sheet for `year`: the collective, the award, the achievement, then the member
    figures the rules of the year's collective awards read."""
    fields = figure_columns(collective_unit_awards(year).values())
    return [str(heading) for _k, heading, _t in COLLECTIVE_COLUMNS] + [figure_label(name) for name in fields]


def template_bytes(year: int, unit: Unit | None = None) -> bytes:
    """The round's template: the persons' sheet (headings, a dropdown of the unit's awards and of the ratings),
    the «Tập thể» sheet (the collectives of `unit`, their awards, the member figures the rules read) and a
    guide."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    awards = unit_awards(year)
    book = Workbook()
    sheet = book.active
    sheet.title = str(_("Danh sách"))[:31]
    safe_append(sheet, [str(heading) for _k, heading, _t in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, width in enumerate((28, 16, 14, 28, 26, 10, 60), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    last = MAX_IMPORT_ROWS + 1
    for column, values in (("E", list(awards)), ("F", list(Rating.values))):
        if values:
            rule = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
            rule.add(f"{column}{FIRST_DATA_ROW}:{column}{last}")
            sheet.add_data_validation(rule)
    collective_awards = collective_unit_awards(year)
    collectives = list(collective_units(unit, year).values()) if unit is not None else []
    teams = book.create_sheet(str(COLLECTIVES_SHEET)[:31])
    headings = collective_headings(year)
    safe_append(teams, headings)
    for cell in teams[1]:
        cell.font = Font(bold=True)
    for index, width in enumerate([36, 26, 60] + [18] * (len(headings) - 3), start=1):
        teams.column_dimensions[get_column_letter(index)].width = width
    names = [collective.name for collective in collectives]
    for column, values in (("A", names), ("B", list(collective_awards))):
        text = ",".join(value.replace('"', "'").replace(",", " ") for value in values)
        if values and len(text) <= 250:  # Excel's limit for a list written in the rule itself
            rule = DataValidation(type="list", formula1=f'"{text}"', allow_blank=True)
            rule.add(f"{column}{FIRST_DATA_ROW}:{column}{last}")
            teams.add_data_validation(rule)
    guide = book.create_sheet(str(_("Hướng dẫn"))[:31])
    safe_append(guide, [str(_("Cột")), str(_("Cách ghi"))])
    substitutions = {
        "awards": ", ".join(f"{code} ({award.name})" for code, award in awards.items()),
        "ratings": ", ".join(f"{code} ({label})" for code, label in Rating.choices),
        "collectives": "; ".join(f"{collective.code}: {collective.name}" for collective in collectives)
        or str(_("đơn vị và các đơn vị trực thuộc")),
    }
    for _k, heading, text in COLUMNS:
        safe_append(guide, [str(heading), str(text) % substitutions])
    collective_substitutions = {
        **substitutions,
        "awards": ", ".join(f"{code} ({award.name})" for code, award in collective_awards.items()),
    }
    for _k, heading, text in COLLECTIVE_COLUMNS:
        safe_append(
            guide,
            [f"{COLLECTIVES_SHEET} – {heading}", str(text) % collective_substitutions],
        )
    for name in headings[len(COLLECTIVE_COLUMNS) :]:
        safe_append(
            guide,
            [
                f"{COLLECTIVES_SHEET} – {name}",
                str(
                    _(
                        "Số nguyên, không lớn hơn tổng số thành viên; bắt buộc khi điều kiện của danh hiệu "
                        "cần (%(awards)s)."
                    )
                )
                % {
                    "awards": ", ".join(
                        award.name
                        for award in collective_awards.values()
                        if any(figure_label(field) == name for field in collective_figures(award))
                    )
                    or "—"
                },
            ],
        )
    safe_append(
        guide,
        [
            str(_("Lưu ý")),
            str(
                _(
                    "Mỗi dòng là một người với một danh hiệu, bắt đầu từ dòng 2; tập thể (chính đơn vị hoặc đơn vị "
                    "trực thuộc) ghi ở trang «Tập thể», mỗi dòng một tập thể với một danh hiệu. Nếu có dòng sai, "
                    "không dòng nào được nhập; hệ thống báo lỗi theo trang và số dòng."
                )
            ),
        ],
    )
    guide.column_dimensions["A"].width = 24
    guide.column_dimensions["B"].width = 100
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    for pattern in ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value if value is not None else "").split())


def read_rows(upload) -> list[RoundRow]:
    """Read a filled-in template into rows (no database access). Problems of the file itself raise
    ValidationError({"file": …}); problems of a row are listed on that row (its number as Excel shows it)."""
    from zipfile import BadZipFile

    book = open_xlsx_upload(upload, max_bytes=MAX_IMPORT_BYTES)
    try:
        body = stream_sheet_rows(
            book,
            headings=[heading for _k, heading, _t in COLUMNS],
            first_data_row=FIRST_DATA_ROW,
            max_scanned_rows=MAX_SCANNED_ROWS,
            max_rows=MAX_IMPORT_ROWS,
            too_many_rows=_("Dòng %(row)d: mỗi lần nhập tối đa %(n)d dòng."),
        )
        collectives = _read_collectives(book)
    except (BadZipFile, KeyError, OSError, ValueError, SyntaxError, IndexError, TypeError):
        raise unreadable_xlsx() from None
    finally:
        book.close()
    rows = []
    for number, line in body:
        values = dict(zip((key for key, _h, _t in COLUMNS), list(line) + [None] * len(COLUMNS), strict=False))
        birth = values["date_of_birth"]
        rows.append(
            RoundRow(
                number=number,
                fields={
                    "full_name": _text(values["full_name"]),
                    "cccd": normalise_cccd(_text(values["cccd"])),
                    "date_of_birth": _date(birth),
                    "date_of_birth_text": _text(birth) if _date(birth) is None else "",
                    "position": _text(values["position"]),
                    "award": _text(values["award"]),
                    "rating": _text(values["rating"]).upper(),
                    "achievement": str(values["achievement"] or "").strip(),
                },
            )
        )
    return rows + collectives


def _figure(value) -> tuple[int | None, str]:
    """(a member figure, "") or (None, what was written when it is not a whole number ≥ 0)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, ""
    if isinstance(value, bool):
        return None, str(value)
    if isinstance(value, int):
        return (value, "") if value >= 0 else (None, str(value))
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value), ""
    text = _text(value)
    return (int(text), "") if text.isdigit() and len(text) <= 7 else (None, text)


def _read_collectives(book) -> list[RoundRow]:
    """The «Tập thể» sheet, when the file has one (a file of persons only need not): its first columns as in
    COLLECTIVE_COLUMNS, then any of the member figure columns (by heading). Rows numbered as Excel shows them."""
    from types import SimpleNamespace

    key = sheet_key(COLLECTIVES_SHEET)
    sheet = next((sheet for sheet in book.worksheets[1:] if sheet_key(sheet.title) == key), None)
    if sheet is None:
        return []
    first = next(sheet.iter_rows(max_row=1, max_col=len(COLLECTIVE_COLUMNS) + 20, values_only=True), ())
    written = [_text(value) for value in first]
    while written and not written[-1]:
        written.pop()
    labels = {sheet_key(figure_label(name)): name for name in FIGURE_FIELDS}
    fixed = [str(heading) for _k, heading, _t in COLLECTIVE_COLUMNS]
    unknown = [text for text in written[len(fixed) :] if sheet_key(text) not in labels]
    if unknown or [sheet_key(text) for text in written[: len(fixed)]] != [sheet_key(t) for t in fixed]:
        raise ValidationError(
            {
                "file": _(
                    "Dòng tiêu đề của trang «%(sheet)s» không đúng mẫu; các cột phải là: %(columns)s, rồi các cột "
                    "số liệu thành viên (%(figures)s)."
                )
                % {
                    "sheet": COLLECTIVES_SHEET,
                    "columns": ", ".join(fixed),
                    "figures": ", ".join(figure_label(name) for name in FIGURE_FIELDS),
                }
            }
        )
    figures = [labels[sheet_key(text)] for text in written[len(fixed) :]]
    body = stream_sheet_rows(
        SimpleNamespace(worksheets=[sheet]),  # the helper reads a book's first sheet: hand it this one
        headings=written,
        first_data_row=FIRST_DATA_ROW,
        max_scanned_rows=MAX_SCANNED_ROWS,
        max_rows=MAX_IMPORT_ROWS,
        too_many_rows=_("Trang «%(sheet)s», dòng %%(row)d: mỗi lần nhập tối đa %%(n)d dòng.")
        % {"sheet": COLLECTIVES_SHEET},
    )
    rows = []
    for number, line in body:
        values = list(line) + [None] * len(written)
        row = RoundRow(
            number=number,
            sheet=COLLECTIVES,
            fields={
                "collective": _text(values[0]),
                "award": _text(values[1]),
                "achievement": str(values[2] or "").strip(),
                "figures": {},
                "columns": figures,
            },
        )
        for name, value in zip(figures, values[len(fixed) :], strict=False):
            number_, written_value = _figure(value)
            row.fields["figures"][name] = number_
            if written_value:
                row.errors.append(
                    _("«%(figure)s» phải là số nguyên không âm (tệp ghi «%(value)s»).")
                    % {"figure": figure_label(name), "value": written_value}
                )
        rows.append(row)
    return rows


# -- eligibility, for every row in one pass --------------------------------------------------------------------
def _empty_history(nominee) -> eligibility.History:
    """An eligibility.History built without its own queries (filled by histories_for)."""
    history = eligibility.History.__new__(eligibility.History)
    history.nominee = nominee
    history.titles = {}
    history.ratings = {}
    history.initiatives = []
    if hasattr(eligibility, "record_calendar"):  # the sector's rating calendar (issue 16)
        history.calendar = eligibility.record_calendar(nominee)
        history.merit_titles = {}
        history._disciplines = []
    return history


def _lineages(nominees: list[Nominee]) -> dict[int, set[int]]:
    """{nominee id: the ids whose records count as its own} for `nominees`, as eligibility._lineage reads them,
    in bulk: a person is themself; a collective that is a unit (no sub-unit named) also the same collective
    under every unit it succeeds (UnitSuccession, transitively), one query per step back whatever the number."""
    from organisations.models import UnitSuccession

    lineages = {nominee.pk: {nominee.pk} for nominee in nominees if nominee.pk}
    units = {
        nominee.pk: nominee.unit_id
        for nominee in nominees
        if nominee.pk and nominee.kind == RecipientKind.COLLECTIVE and not nominee.sub_unit
    }
    if not units:
        return lineages
    predecessors: dict[int, set[int]] = {}
    frontier, seen = set(units.values()), set(units.values())
    while frontier:
        links = UnitSuccession.objects.filter(successor_id__in=frontier).values_list(
            "successor_id", "predecessor_id"
        )
        frontier = set()
        for successor, predecessor in links:
            predecessors.setdefault(successor, set()).add(predecessor)
            if predecessor not in seen:
                seen.add(predecessor)
                frontier.add(predecessor)

    def before(unit_id: int) -> set[int]:
        found, stack = set(), [unit_id]
        while stack:
            for predecessor in predecessors.get(stack.pop(), ()):
                if predecessor not in found and predecessor != unit_id:
                    found.add(predecessor)
                    stack.append(predecessor)
        return found

    earlier = {nominee_id: before(unit_id) for nominee_id, unit_id in units.items()}
    wanted = set().union(*earlier.values())
    if wanted:
        twins: dict[int, set[int]] = {}
        for pk, unit_id in Nominee.objects.filter(
            kind=RecipientKind.COLLECTIVE, sub_unit="", unit_id__in=wanted
        ).values_list("pk", "unit_id"):
            twins.setdefault(unit_id, set()).add(pk)
        for nominee_id, unit_ids in earlier.items():
            for unit_id in unit_ids:
                lineages[nominee_id] |= twins.get(unit_id, set())
    return lineages


def _open_holds(nominee_ids) -> list[NomineeHold]:
    """The holds not lifted of `nominee_ids` (every kind, in the holds' order): what both the histories'
    disciplines and the holds in force today are taken from, in one query."""
    ids = list({pk for pk in nominee_ids if pk})
    if not ids:
        return []
    return list(NomineeHold.objects.filter(nominee_id__in=ids, lifted_on__isnull=True))


def histories_for(
    nominees: list[Nominee], *, open_holds: list[NomineeHold] | None = None
) -> dict[int, eligibility.History]:
    """The confirmed history of every nominee in `nominees` (persons and collectives), as eligibility.History
    objects, in a handful of queries whatever their number (History() makes its own queries for one nominee):
    a person's lineage is themself, a collective's also the same collective under the units it succeeds.
    `open_holds`: _open_holds() already read for these nominees (their disciplines are taken from it)."""
    histories = {nominee.pk: _empty_history(nominee) for nominee in nominees if nominee.pk}
    ids = list(histories)
    if not ids:
        return histories
    owners: dict[int, list[int]] = {}
    for owner, lineage in _lineages(nominees).items():
        for pk in lineage:
            owners.setdefault(pk, []).append(owner)
    from .models import InitiativeRecognition

    confirmed = {"nominee_id__in": list(owners), "status": RecordStatus.CONFIRMED}
    annual = getattr(AwardRecord, "occasion", None) is not None
    blank = Value("", output_field=CharField())

    def part(model, tag: int, *columns):
        # (tag, nominee, pk, text, year, occasion) of one kind of record, unordered: the three kinds in one statement
        return (
            model.objects.filter(**confirmed)
            .order_by()
            .values_list(Value(tag, output_field=IntegerField()), "nominee_id", "pk", *columns)
        )

    rows = part(AwardRecord, 0, "award__code", "year", "occasion" if annual else blank).union(
        part(YearlyRating, 1, "rating", "year", blank),
        part(InitiativeRecognition, 2, "scope", "year", blank),
        all=True,
    )
    rows = sorted(rows, key=lambda row: (row[0], -row[4] if row[0] == 2 else 0, row[2]))
    for tag, nominee_id, _pk, text, year, occasion in rows:
        for owner in owners[nominee_id]:
            history = histories[owner]
            if tag == 0:  # an award record: the title of its year
                history.titles.setdefault(text, set()).add(year)
                if annual and occasion == "annual":
                    history.merit_titles.setdefault(text, set()).add(year)
            elif tag == 1:  # a yearly rating: the first recorded (by id) of each year counts
                history.ratings.setdefault(year, text)
            else:  # an initiative recognised, latest first (as InitiativeRecognition orders them)
                history.initiatives.append((text, year))
    if hasattr(histories[ids[0]], "_disciplines"):
        if open_holds is None:
            holds = NomineeHold.objects.filter(
                nominee_id__in=ids, kind=HoldKind.DISCIPLINE, lifted_on__isnull=True
            )
        else:
            holds = [
                hold
                for hold in open_holds
                if hold.kind == HoldKind.DISCIPLINE and hold.nominee_id in histories
            ]
        for hold in holds:
            histories[hold.nominee_id]._disciplines.append(hold)
        for history in histories.values():
            history._disciplines.sort(key=lambda hold: (hold.ends_on is not None, hold.ends_on))
    return histories


def _holds_today(nominee_ids, open_holds: list[NomineeHold] | None = None) -> dict[int, list[str]]:
    """{nominee id: the holds in force today, described} (integrity.holds_in_force; `open_holds`: _open_holds()
    already read for these nominees, the ones in force today taken from it in the same order)."""
    from .integrity import holds_in_force

    if open_holds is None:
        found = holds_in_force([pk for pk in nominee_ids if pk])
    else:
        day, wanted, found = timezone.localdate(), {pk for pk in nominee_ids if pk}, {}
        for hold in open_holds:
            if hold.nominee_id in wanted and hold.in_force(day):
                found.setdefault(hold.nominee_id, []).append(hold)
    return {nominee_id: [hold.describe() for hold in holds] for nominee_id, holds in found.items()}


def evaluate_many(entries, year: int) -> list[list[str]]:
    """The blocking eligibility messages of each (nominee, award, rating[, figures]) entry for `year`, in one
    pass: the histories, holds and rules are loaded once for all entries. The entry's rating is the unit's rating
    of its own staff for the round's year (it is what the rating rules read for that year); `figures` is what
    holds a collective's member figures (the round's line, or the row's values), read by collective_ratio as
    on a city dossier's line (eligibility.check_rule)."""
    entries = [tuple(entry) + (None,) * (4 - len(entry)) for entry in entries]
    nominee_ids = [entry[0].pk for entry in entries]
    open_holds = _open_holds(nominee_ids)  # the disciplines and the holds in force today: one read
    histories = histories_for([entry[0] for entry in entries], open_holds=open_holds)
    holds = _holds_today(nominee_ids, open_holds)
    results = []
    for nominee, award, rating, figures in entries:
        history = histories.get(nominee.pk) or _empty_history(nominee)
        if rating:
            history.ratings = {**history.ratings, year: rating}
        messages = []
        if not award.accepts(nominee.kind):
            messages.append(
                _("%(award)s không dành cho đối tượng «%(kind)s».")
                % {"award": award.name, "kind": nominee.get_kind_display()}
            )
        for rule in award.rules.all():
            if rule.kind == RuleKind.NO_HOLD:
                held = holds.get(nominee.pk)
                passed, detail = (False, "; ".join(held)) if held else (True, "")
            else:
                passed, detail = eligibility.check_rule(rule.kind, rule.parameters, history, year, figures)
            if rule.is_blocking and not passed:
                messages.append(f"{rule.description}: {detail} ({rule.legal_source})")
        results.append(messages)
    return results


def _taken_achievements(nominee_ids, codes, year: int, *, exclude_round_id=None) -> dict[tuple, str]:
    """(nominee id, award code) → why the achievement of `year` is already proposed or awarded (one achievement,
    one award): an award record, a city dossier's line, another round's line. Three queries for all rows."""
    ids = [pk for pk in nominee_ids if pk]
    taken: dict[tuple, str] = {}
    if not ids:
        return taken
    records = (
        AwardRecord.objects.filter(nominee_id__in=ids, award__code__in=codes, year=year)
        .exclude(status=RecordStatus.REJECTED)
        .select_related("award")
    )
    for record in records:
        taken.setdefault(
            (record.nominee_id, record.award.code),
            _("đã được «%(award)s» năm %(year)s (quyết định số %(number)s ngày %(day)s).")
            % {
                "award": record.award.name,
                "year": year,
                "number": record.decision_number,
                "day": record.decision_date.strftime("%d/%m/%Y"),
            },
        )
    lines = (
        DossierNominee.objects.filter(nominee_id__in=ids, award__code__in=codes, dossier__year=year)
        .exclude(dossier__state=DossierState.WITHDRAWN)
        .exclude(state__in=REFUSED_LINE_STATES)
        .values_list("nominee_id", "award__code", "dossier_id")
    )
    for nominee_id, code, dossier_id in lines:
        taken.setdefault(
            (nominee_id, code), _("đã được đề nghị trong hồ sơ số %(dossier)s.") % {"dossier": dossier_id}
        )
    others = (
        UnitRoundLine.objects.filter(nominee_id__in=ids, award__code__in=codes, unit_round__year=year)
        .exclude(unit_round__state=RoundState.WITHDRAWN)
        .exclude(state__in=(RoundLineState.FAILED, RoundLineState.NOT_AWARDED))
    )
    if exclude_round_id is not None:
        others = others.exclude(unit_round_id=exclude_round_id)
    for nominee_id, code, round_id in others.values_list("nominee_id", "award__code", "unit_round_id"):
        taken.setdefault(
            (nominee_id, code),
            _("đã có trong đợt bình xét số %(round)s của năm %(year)s.") % {"round": round_id, "year": year},
        )
    return taken


# -- quotas -------------------------------------------------------------------------------------------------------
def _percent(value: Decimal) -> str:
    text = f"{value.quantize(Decimal('0.1')):f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") + " %"


def quota_breach(quota: AwardQuota, count: int, base: int) -> str | None:
    """ "Chiến sĩ thi đua cơ sở: 4/20 = 20 % > 15 % (…)" when `count` of `base` exceeds the quota, else None."""
    limit = Decimal(quota.max_percent)
    if base == 0:
        if count == 0:
            return None
        return _(
            "%(award)s: %(count)s/0 — chưa có ai đạt «%(base)s» trong năm làm cơ sở tính, vượt tỷ lệ tối đa "
            "%(limit)s (%(rule)s; %(source)s)."
        ) % {
            "award": quota.award.name,
            "count": count,
            "base": _base_name(quota),
            "limit": _percent(limit),
            "rule": quota.description,
            "source": quota.legal_source,
        }
    share = Decimal(count) * 100 / Decimal(base)
    if share <= limit:
        return None
    return _("%(award)s: %(count)s/%(base)s = %(share)s > %(limit)s (%(rule)s; %(source)s).") % {
        "award": quota.award.name,
        "count": count,
        "base": base,
        "share": _percent(share),
        "limit": _percent(limit),
        "rule": quota.description,
        "source": quota.legal_source,
    }


def _base_name(quota: AwardQuota) -> str:
    return (
        AwardType.objects.filter(code=quota.base_award_code).values_list("name", flat=True).first()
        or quota.base_award_code
    )


def _record_count(code: str, year: int, *, unit_id=None, exclude: Q | None = None) -> int:
    records = AwardRecord.objects.filter(award__code=code, year=year).exclude(status=RecordStatus.REJECTED)
    if unit_id is not None:
        records = records.filter(nominee__unit_id=unit_id)
    return (records.exclude(exclude) if exclude is not None else records).count()


def round_quota_refusals(unit_round: UnitRound, round_lines: list[UnitRoundLine] | None = None) -> list[str]:
    """The round's active quotas (scope: the unit), each computed over the round's live lines and the unit's
    awards of the same year decided elsewhere: CSTĐCS over LĐTT (`round_lines`: every line of the round with
    its award, already read)."""
    dropped = (RoundLineState.FAILED, RoundLineState.NOT_AWARDED)
    if round_lines is None:
        lines = list(unit_round.lines.exclude(state__in=dropped).values_list("award_id", "award__code"))
    else:
        lines = [(line.award_id, line.award.code) for line in round_lines if line.state not in dropped]
    proposed = Counter(code for _award_id, code in lines)
    award_ids = {award_id for award_id, _code in lines}
    quotas = AwardQuota.objects.filter(award_id__in=award_ids, is_active=True, scope=QuotaScope.UNIT)
    this_round = Q(round_line__unit_round_id=unit_round.pk)
    messages = []
    for quota in quotas.select_related("award").order_by("pk"):
        code = quota.award.code
        count = proposed[code] + _record_count(
            code, unit_round.year, unit_id=unit_round.unit_id, exclude=this_round
        )
        base = proposed[quota.base_award_code] + _record_count(
            quota.base_award_code, unit_round.year, unit_id=unit_round.unit_id, exclude=this_round
        )
        if (message := quota_breach(quota, count, base)) is not None:
            messages.append(message)
    return messages


def dossier_quota_refusals(dossier) -> list[str]:
    """A city dossier's active city-wide quotas (Cờ thi đua của Chính phủ ≤ 20 % of the collectives that led their
    cluster or block, i.e. received Cờ thi đua thành phố that year): the proposals of the year in every live
    dossier and the awards already recorded, over the leaders recorded for that year."""
    award_ids = set(dossier.lines.values_list("award_id", flat=True))
    quotas = AwardQuota.objects.filter(award_id__in=award_ids, is_active=True, scope=QuotaScope.CITY)
    messages = []
    for quota in quotas.select_related("award").order_by("pk"):
        code = quota.award.code
        live = (
            DossierNominee.objects.filter(award__code=code, dossier__year=dossier.year)
            .exclude(dossier__state=DossierState.WITHDRAWN)
            .exclude(state__in=REFUSED_LINE_STATES)
        )
        proposed = set(live.values_list("nominee_id", flat=True))
        recorded = set(
            AwardRecord.objects.filter(award__code=code, year=dossier.year)
            .exclude(status=RecordStatus.REJECTED)
            .values_list("nominee_id", flat=True)
        )
        base = _record_count(quota.base_award_code, dossier.year)
        if (message := quota_breach(quota, len(proposed | recorded), base)) is not None:
            messages.append(message)
    return messages


def unit_award_refusals(dossier) -> list[str]:
    """A city dossier may not carry an award the unit decides itself: it is decided in the unit's own round and
    never reaches the Board's queue (Luật TĐKT 2022 Đ.80)."""
    names = (
        dossier.lines.filter(award__route=AwardRoute.UNIT_DECIDES)
        .values_list("award__name", flat=True)
        .distinct()
        .order_by("award__name")
    )
    return [
        _(
            "«%(award)s» do thủ trưởng đơn vị tự quyết định (đợt bình xét của đơn vị, hội đồng thi đua – khen "
            "thưởng của đơn vị); không trình Ban TĐKT thành phố."
        )
        % {"award": name}
        for name in names
    ]


# -- services ------------------------------------------------------------------------------------------------------
@transaction.atomic
def round_create(*, unit: Unit, year: int, title: str, actor) -> UnitRound:
    """The unit's officer or head opens the year's round of the unit's own awards."""
    actor = require(may_prepare_for_unit, actor, unit)
    title = " ".join(str(title or "").split())
    if not title:
        raise ValidationError({"title": _("Cần nhập tên đợt bình xét.")})
    if not unit_awards(year):
        raise ValidationError(
            {"year": _("Năm %(year)s chưa có danh hiệu nào do đơn vị quyết định.") % {"year": year}}
        )
    unit_round = UnitRound.objects.create(unit=unit, year=year, title=title[:255], created_by=actor.user)
    audit.record(
        subject=unit_round,
        actor=actor,
        verb="create",
        target_state=unit_round.state,
        data={"unit": unit.code, "year": year, "title": unit_round.title},
    )
    return unit_round


def _row_problems(
    row: RoundRow, awards: dict[str, AwardType], collective: dict[str, AwardType] | None = None
) -> list[str]:
    fields = row.fields
    key = sheet_key(fields["award"])
    if collective and key in collective and key not in awards:  # the one message that says what to do
        fields["award_type"] = None
        return [collective_row_refusal(collective[key])]
    problems = list(row.errors)
    if not fields["full_name"]:
        problems.append(_("Thiếu họ và tên."))
    if not fields["cccd"]:
        problems.append(_("Thiếu số CCCD."))
    else:
        try:
            validate_cccd(fields["cccd"])
        except ValidationError as error:
            problems.extend(error.messages)
    if fields["date_of_birth"] is None:
        if fields.get("date_of_birth_text"):
            problems.append(
                _("Ngày sinh «%(value)s» không hợp lệ (ghi dạng dd/mm/yyyy).")
                % {"value": fields["date_of_birth_text"]}
            )
        else:
            problems.append(_("Thiếu ngày sinh."))
    award = awards.get(sheet_key(fields["award"]))
    if award is None:
        problems.append(
            _("«%(value)s» không phải danh hiệu, hình thức do đơn vị quyết định (chọn: %(codes)s).")
            % {"value": fields["award"], "codes": ", ".join(sorted({a.code for a in awards.values()}))}
        )
    fields["award_type"] = award
    if fields["rating"] and fields["rating"] not in Rating.values:
        problems.append(
            _("Xếp loại «%(value)s» không hợp lệ (chọn: %(ratings)s).")
            % {"value": fields["rating"], "ratings": ", ".join(Rating.values)}
        )
    if not fields["achievement"]:
        problems.append(_("Thiếu tóm tắt thành tích."))
    return problems


def _collective_row_problems(
    row: RoundRow, awards: dict[str, AwardType], persons_only: dict[str, AwardType]
) -> list[str]:
    """The problems a «Tập thể» row shows by itself: the collective and the award named, the achievement, the
    member figures the award's rules read (present, whole numbers, none above the total)."""
    fields = row.fields
    problems = list(row.errors)
    if not fields["collective"]:
        problems.append(_("Thiếu tên hoặc mã đơn vị của tập thể."))
    key = sheet_key(fields["award"])
    award = awards.get(key)
    fields["award_type"] = award
    if award is None:
        if key in persons_only:
            problems.append(person_award_refusal(persons_only[key]))
        else:
            problems.append(
                _(
                    "«%(value)s» không phải danh hiệu, hình thức cho tập thể do đơn vị quyết định (chọn: %(codes)s)."
                )
                % {"value": fields["award"], "codes": ", ".join(sorted({a.code for a in awards.values()}))}
            )
    if not fields["achievement"]:
        problems.append(_("Thiếu tóm tắt thành tích."))
    figures = fields["figures"]
    if award is not None:
        for name in collective_figures(award):
            if figures.get(name) is None and not any(figure_label(name) in problem for problem in problems):
                problems.append(
                    _("Thiếu «%(figure)s»: điều kiện của «%(award)s» cần số liệu này.")
                    % {"figure": figure_label(name), "award": award.name}
                )
    total = figures.get("members_total")
    if total == 0:
        problems.append(_("«%(figure)s» phải lớn hơn 0.") % {"figure": figure_label("members_total")})
    if total:
        for name in FIGURE_FIELDS[1:]:
            if (figures.get(name) or 0) > total:
                problems.append(
                    _("«%(figure)s» (%(value)s) lớn hơn tổng số thành viên (%(total)s).")
                    % {"figure": figure_label(name), "value": figures[name], "total": total}
                )
    return problems


def _collective_candidates(
    unit_round: UnitRound, good: list[RoundRow], errors: dict[int, list[str]], in_round: set | None = None
):
    """(row, nominee, award) for the good «Tập thể» rows: the collective is the round's unit or one of its sub-units
    in the round's year, found by code or name; its nominee is the one recorded for that unit (kind collective,
    no sub-unit named, the unit's name) or a new one. A unit outside the round's unit, a repeated row, a line already in the round
    are named (`in_round`: the round's (nominee id, award id) pairs, when the caller read them). A few queries whatever
    the number of rows, none without rows."""
    if not good:
        return []
    units = collective_units(unit_round.unit, unit_round.year)
    own: dict[str, Unit] = {}
    for unit in sorted(units.values(), key=lambda unit: unit.pk):
        for name in (unit.code, unit.name, unit.short_name):
            if name:
                own.setdefault(sheet_key(name), unit)
    written = [row.fields["collective"] for row in good]
    missing = {sheet_key(text) for text in written} - set(own)
    elsewhere: dict[str, Unit] = {}
    if missing:
        for unit in Unit.objects.filter(Q(code__in=written) | Q(name__in=written)).order_by("pk"):
            for name in (unit.code, unit.name):
                if sheet_key(name) in missing:
                    elsewhere.setdefault(sheet_key(name), unit)
    found = {own.get(sheet_key(text)) for text in written} - {None}
    recorded: dict[int, Nominee] = {}
    collectives = Nominee.objects.filter(
        kind=RecipientKind.COLLECTIVE, sub_unit="", unit__in=[unit.pk for unit in found]
    )
    for nominee in collectives.select_related("unit").order_by("-pk"):
        # the unit itself: recorded under it, no sub-unit named, under its name (a department recorded under its
        # parent by name only, as city dossiers may hold, is not the parent); the first recorded one wins
        if sheet_key(nominee.full_name) in {sheet_key(nominee.unit.name), sheet_key(nominee.unit.short_name)}:
            recorded[nominee.unit_id] = nominee
    if in_round is None:
        in_round = set(unit_round.lines.values_list("nominee_id", "award_id"))
    seen: dict[tuple, int] = {}
    candidates = []
    for row in good:
        fields, award = row.fields, row.fields["award_type"]
        unit = own.get(sheet_key(fields["collective"]))
        if unit is None:
            other = elsewhere.get(sheet_key(fields["collective"]))
            if other is not None:
                errors.setdefault(row.number, []).append(
                    _(
                        "«%(name)s» là tập thể của đơn vị khác, không phải %(unit)s hay đơn vị trực thuộc trong "
                        "năm %(year)s: đơn vị đó tự bình xét tập thể của mình."
                    )
                    % {"name": other.name, "unit": unit_round.unit.name, "year": unit_round.year}
                )
            else:
                errors.setdefault(row.number, []).append(
                    _("Không có đơn vị «%(value)s» trong %(unit)s và các đơn vị trực thuộc năm %(year)s.")
                    % {"value": fields["collective"], "unit": unit_round.unit.name, "year": unit_round.year}
                )
            continue
        key = (unit.pk, award.code)
        if key in seen:
            errors.setdefault(row.number, []).append(
                _("Trùng với dòng %(row)d của trang «%(sheet)s» (cùng tập thể, cùng danh hiệu).")
                % {"row": seen[key], "sheet": COLLECTIVES_SHEET}
            )
        seen.setdefault(key, row.number)
        nominee = recorded.get(unit.pk)
        if nominee is None:
            nominee = Nominee(kind=RecipientKind.COLLECTIVE, unit=unit, full_name=unit.name[:255])
            recorded[unit.pk] = nominee
        elif (nominee.pk, award.pk) in in_round:
            errors.setdefault(row.number, []).append(
                _("%(name)s đã có «%(award)s» trong đợt này.")
                % {"name": nominee.full_name, "award": award.name}
            )
        candidates.append((row, nominee, award))
    return candidates


def _figures_of(row: RoundRow):
    """What the collective_ratio rules read for a row: its figures by field (None where not given)."""
    from types import SimpleNamespace

    figures = row.fields.get("figures") or {}
    return SimpleNamespace(**{name: figures.get(name) for name in FIGURE_FIELDS})


@transaction.atomic
def round_import(*, unit_round: UnitRound, rows: list[RoundRow], actor) -> list[UnitRoundLine]:
    """Add the rows of the unit's Excel list to a draft round, all or nothing: every bad row is named with its
    number and why (format, a CCCD already recorded for someone of another unit or under another name, a
    repeated row, an achievement already proposed or awarded, the award's eligibility rules, computed for every
    row in one pass); nothing is written while one row is bad. New persons are recorded, known ones (by CCCD)
    reused; one audit event per line and per new person, appended together."""
    # the policy asks of the unit's id only: the unit itself is read with the locked round
    actor = require(may_prepare_for_unit, actor, unit_round.unit_id)
    unit_round = UnitRound.objects.select_for_update().select_related("unit").get(pk=unit_round.pk)
    if unit_round.state != RoundState.DRAFT:
        raise engine.TransitionNotAllowed(
            _("Đợt bình xét ở trạng thái «%(state)s»: không nhập thêm danh sách.")
            % {"state": unit_round.get_state_display()}
        )
    if not rows:
        raise ValidationError({"file": _("Tệp không có dòng nào ngoài dòng tiêu đề.")})
    catalogue = unit_decided_awards(unit_round.year)  # read once for both sheets
    awards = _award_lookup(unit_awards(unit_round.year, catalogue))
    collective = _award_lookup(collective_unit_awards(unit_round.year, catalogue))
    persons_only = {key: award for key, award in awards.items() if key not in collective}
    errors: dict[int, list[str]] = {}
    team_errors: dict[int, list[str]] = {}
    good, good_teams = [], []
    for row in rows:
        if row.sheet == COLLECTIVES:
            problems = _collective_row_problems(row, collective, persons_only)
            if problems:
                team_errors[row.number] = problems
            else:
                good_teams.append(row)
            continue
        problems = _row_problems(row, awards, collective)
        if problems:
            errors[row.number] = problems
        else:
            good.append(row)
    # who is already known, by CCCD (one query)
    known = {
        nominee.cccd: nominee
        for nominee in Nominee.objects.filter(
            kind=RecipientKind.INDIVIDUAL, cccd__in=[row.fields["cccd"] for row in good]
        ).select_related("unit")
    }
    seen: dict[tuple, int] = {}
    people: dict[str, tuple[int, str]] = {}
    # the round's lines so far (one read): a person or collective already in it, the last row number
    # (read after the lock, so that a concurrent import's lines are seen)
    existing = list(unit_round.lines.values_list("nominee_id", "award_id", "row_number"))
    in_round = {(nominee_id, award_id) for nominee_id, award_id, _row in existing}
    candidates = []
    for row in good:
        fields, award = row.fields, row.fields["award_type"]
        problems = []
        key = (fields["cccd"], award.code)
        if key in seen:
            problems.append(_("Trùng với dòng %(row)d (cùng người, cùng danh hiệu).") % {"row": seen[key]})
        seen.setdefault(key, row.number)
        first = people.setdefault(fields["cccd"], (row.number, fields["full_name"]))
        if sheet_key(first[1]) != sheet_key(fields["full_name"]):
            problems.append(
                _("Số CCCD %(cccd)s đã ghi cho «%(name)s» ở dòng %(row)d.")
                % {"cccd": fields["cccd"], "name": first[1], "row": first[0]}
            )
        nominee = known.get(fields["cccd"])
        if nominee is not None:
            if nominee.unit_id != unit_round.unit_id:
                problems.append(
                    _("Số CCCD %(cccd)s là của %(name)s thuộc %(unit)s, không phải người của đơn vị.")
                    % {"cccd": fields["cccd"], "name": nominee.full_name, "unit": nominee.unit.name}
                )
            elif sheet_key(nominee.full_name) != sheet_key(fields["full_name"]):
                problems.append(
                    _("Số CCCD %(cccd)s đã được ghi cho «%(name)s», khác tên trong tệp.")
                    % {"cccd": fields["cccd"], "name": nominee.full_name}
                )
            elif (nominee.pk, award.pk) in in_round:
                problems.append(
                    _("%(name)s đã có «%(award)s» trong đợt này.")
                    % {"name": nominee.full_name, "award": award.name}
                )
        else:
            nominee = Nominee(
                kind=RecipientKind.INDIVIDUAL,
                unit=unit_round.unit,
                full_name=fields["full_name"][:255],
                cccd=fields["cccd"],
                date_of_birth=fields["date_of_birth"],
                birth_year=fields["date_of_birth"].year,
                position=fields["position"][:255],
            )
            known[fields["cccd"]] = nominee
        if problems:
            errors.setdefault(row.number, []).extend(problems)
        candidates.append((row, nominee, award))
    candidates += _collective_candidates(unit_round, good_teams, team_errors, in_round)

    def problems_of(row: RoundRow) -> list[str]:
        return (team_errors if row.sheet == COLLECTIVES else errors).setdefault(row.number, [])

    # one achievement, one award; the rules of each award: for every row at once
    taken = _taken_achievements(
        {nominee.pk for _row, nominee, _award in candidates},
        {award.code for _row, _nominee, award in candidates},
        unit_round.year,
        exclude_round_id=unit_round.pk,
    )
    existing_ratings = dict(
        YearlyRating.objects.filter(
            nominee_id__in=[nominee.pk for _row, nominee, _award in candidates if nominee.pk],
            year=unit_round.year,
            status=RecordStatus.CONFIRMED,
        ).values_list("nominee_id", "rating")
    )
    verdicts = evaluate_many(
        [
            (
                nominee,
                award,
                row.fields.get("rating", ""),
                _figures_of(row) if row.sheet == COLLECTIVES else None,
            )
            for row, nominee, award in candidates
        ],
        unit_round.year,
    )
    for (row, nominee, award), messages in zip(candidates, verdicts, strict=True):
        if nominee.pk and (nominee.pk, award.code) in taken:
            problems_of(row).append(
                _("%(name)s %(why)s") % {"name": nominee.full_name, "why": taken[(nominee.pk, award.code)]}
            )
        recorded = existing_ratings.get(nominee.pk)
        if recorded and row.fields.get("rating") and recorded != row.fields["rating"]:
            problems_of(row).append(
                _("Xếp loại năm %(year)s đã ghi nhận là %(recorded)s, khác %(rating)s trong tệp.")
                % {"year": unit_round.year, "recorded": recorded, "rating": row.fields["rating"]}
            )
        if messages:
            problems_of(row).extend(
                _("Chưa đủ điều kiện «%(award)s»: %(why)s") % {"award": award.name, "why": message}
                for message in messages
            )
    if any(errors.values()) or any(team_errors.values()):
        raise RoundImportRefused(
            [(number, message) for number in sorted(errors) for message in errors[number]],
            [(number, message) for number in sorted(team_errors) for message in team_errors[number]],
        )
    new_people = list(
        {id(nominee): nominee for _row, nominee, _award in candidates if nominee.pk is None}.values()
    )
    if new_people:
        # a person recorded meanwhile trips the CCCD's unique constraint: the refusal leaves this function at once,
        # and its own atomic block rolls everything back (no savepoint of its own is needed for that)
        try:
            Nominee.objects.bulk_create(new_people)
        except IntegrityError:
            raise ValidationError(
                {"file": _("Một số CCCD trong tệp vừa được ghi cho người khác; hãy nhập lại tệp.")}
            ) from None
    # the round is locked: no line was added since `existing` was read
    start = max((row_number for _n, _a, row_number in existing), default=0) or 0
    # the collectives are numbered in the round's list after the persons of the same file
    persons_end = max((row.number for row in rows if row.sheet == PERSONS), default=FIRST_DATA_ROW - 1)
    team_start = start + persons_end - FIRST_DATA_ROW + 1
    lines = UnitRoundLine.objects.bulk_create(
        [
            UnitRoundLine(
                unit_round=unit_round,
                row_number=(team_start if row.sheet == COLLECTIVES else start)
                + row.number
                - FIRST_DATA_ROW
                + 1,
                nominee=nominee,
                award=award,
                rating=row.fields.get("rating", ""),
                achievement_report=row.fields["achievement"],
                **(row.fields["figures"] if row.sheet == COLLECTIVES else {}),
            )
            for row, nominee, award in candidates
        ]
    )
    events = [
        {
            "subject": nominee,
            "actor": actor,
            "verb": "create",
            "data": {
                "kind": nominee.kind,
                "full_name": nominee.full_name,
                "unit": unit_round.unit.code,
                "round": unit_round.pk,
            },
        }
        for nominee in new_people
    ]
    events += [
        {
            "subject": line,
            "actor": actor,
            "verb": "round_line_added",
            "target_state": line.state,
            "data": {
                "round": unit_round.pk,
                "sheet": row.sheet,
                "row": row.number,
                "nominee": line.nominee.pk,
                "award": line.award.code,
                "rating": line.rating,
                **({"figures": row.fields["figures"]} if row.sheet == COLLECTIVES else {}),
            },
        }
        for line, (row, _nominee, _award) in zip(lines, candidates, strict=True)
    ]
    events.append(
        {
            "subject": unit_round,
            "actor": actor,
            "verb": "round_imported",
            "data": {"rows": len(lines), "new_people": len(new_people)},
        }
    )
    audit.record_many(events)
    return lines


def submission_lines(unit_round: UnitRound) -> list[UnitRoundLine]:
    """Every line of the round with its nominee (and unit), award and the award's rules, in the list's order: what
    the submission's conditions and the submission itself read, once (round_submission_refusals)."""
    return list(
        # the award's rule version too: the agenda's terms cite it (agenda_terms.round_agenda_terms_many reads
        # nothing again); the round is the one given (its related manager)
        unit_round.lines.select_related("nominee__unit", "award__rule_version")
        .prefetch_related("award__rules")
        .order_by("row_number", "pk")
    )


def round_eligibility(
    unit_round: UnitRound, lines: list[UnitRoundLine] | None = None
) -> dict[int, list[str]]:
    """{line id: blocking messages} for every live line of the round, in one pass (submission re-checks them;
    `lines`: submission_lines() already read, its pending ones are checked)."""
    if lines is None:
        lines = list(
            unit_round.lines.filter(state=RoundLineState.PENDING)
            .select_related("nominee__unit", "award")
            .prefetch_related("award__rules")
            .order_by("row_number", "pk")
        )
    else:
        lines = [line for line in lines if line.state == RoundLineState.PENDING]
    # a collective's line holds its member figures, read by collective_ratio as on a city dossier's line
    verdicts = evaluate_many(
        [(line.nominee, line.award, line.rating, line) for line in lines], unit_round.year
    )
    return {line.pk: messages for line, messages in zip(lines, verdicts, strict=True) if messages}


def round_submission_refusals(unit_round: UnitRound, lines: list[UnitRoundLine] | None = None) -> list[str]:
    """Why the round cannot go to the unit council now: no line, a line no longer eligible (with its row), a
    quota exceeded (with the computation). `lines`: submission_lines() already read (every line, read once for
    all of these checks)."""
    if lines is None:
        lines = submission_lines(unit_round)
    if not lines:
        return [_("Đợt bình xét chưa có đối tượng nào.")]
    messages = [
        _(
            "Dòng %(row)d: «%(award)s» không do đơn vị quyết định: trình Ban TĐKT thành phố trong hồ sơ đề nghị, "
            "không xét trong đợt bình xét của đơn vị."
        )
        % {"row": line.row_number, "award": line.award.name}
        for line in lines
        if line.award.route != AwardRoute.UNIT_DECIDES
    ]
    if messages:
        return messages
    refused = round_eligibility(unit_round, lines)
    if refused:
        rows = {line.pk: line.row_number for line in lines if line.pk in refused}
        for line_id in sorted(refused, key=rows.get):
            messages += [
                _("Dòng %(row)d: %(message)s") % {"row": rows[line_id], "message": m}
                for m in refused[line_id]
            ]
    return messages + round_quota_refusals(unit_round, lines)


def round_submit(*, unit_round: UnitRound, session, actor) -> UnitRound:
    """Put every line of the round on one session of the unit's own council, in one go (engine)."""
    user = actor.user if isinstance(actor, audit.Actor) else actor
    client_ip = actor.client_ip if isinstance(actor, audit.Actor) else None
    return engine.perform(
        unit_round,
        "submit",
        user=user,
        client_ip=client_ip,
        data={"session": getattr(session, "pk", session)},
    )


def round_decide(
    *, unit_round: UnitRound, decision_number: str, decision_date, not_awarded=(), actor
) -> UnitRound:
    """The unit head's decision: every line the unit council passed is awarded (except those named in
    `not_awarded`), the register and the persons' ratings written in bulk (engine)."""
    user = actor.user if isinstance(actor, audit.Actor) else actor
    client_ip = actor.client_ip if isinstance(actor, audit.Actor) else None
    return engine.perform(
        unit_round,
        "decide",
        user=user,
        client_ip=client_ip,
        data={
            "decision_number": decision_number,
            "decision_date": decision_date.strftime("%d/%m/%Y")
            if isinstance(decision_date, date)
            else decision_date,
            "not_awarded": ",".join(str(pk) for pk in not_awarded),
        },
    )


def register_write(*, unit_round: UnitRound, lines: list[UnitRoundLine]) -> list[AwardRecord]:
    """The decision enters the award register (sổ vàng) and each person's history, in bulk: one AwardRecord per
    awarded line, linked from the line, and the year's rating the unit gave (where none was recorded). Runs
    inside the decision's transition."""
    if not lines:
        return []
    kwargs = {}
    if hasattr(AwardRecord, "occasion"):
        kwargs["occasion"] = "annual"
    # the unit's sector calendar (the school year for education): its periods, as eligibility counts them
    calendar = unit_round.unit.rating_calendar
    records = AwardRecord.objects.bulk_create(
        [
            AwardRecord(
                nominee_id=line.nominee_id,
                award_id=line.award_id,
                year=unit_round.year,
                authority=line.award.deciding_authority,
                decision_number=unit_round.decision_number,
                decision_date=unit_round.decision_date,
                source="decided_here",
                status=RecordStatus.CONFIRMED,
                calendar=calendar,
                **kwargs,
            )
            for line in lines
        ]
    )
    for line, record in zip(lines, records, strict=True):
        line.award_record_id = record.pk
    _link_records(lines)
    rated = set(
        YearlyRating.objects.filter(nominee_id__in=[line.nominee_id for line in lines], year=unit_round.year)
        .exclude(status=RecordStatus.REJECTED)
        .values_list("nominee_id", flat=True)
    )
    ratings = {}
    for line in lines:
        if line.rating and line.nominee_id not in rated:
            ratings.setdefault(
                line.nominee_id,
                YearlyRating(
                    nominee_id=line.nominee_id,
                    year=unit_round.year,
                    rating=line.rating,
                    decision_number=unit_round.decision_number,
                    decision_date=unit_round.decision_date,
                    status=RecordStatus.CONFIRMED,
                    calendar=calendar,
                ),
            )
    YearlyRating.objects.bulk_create(list(ratings.values()))
    return records


def _link_records(lines: list[UnitRoundLine]) -> None:
    """Each line's award_record_id written in one UPDATE (what bulk_update(lines, ["award_record"]) writes, a CASE
    on the line's id, without building an ORM expression per line)."""
    connection = connections[router.db_for_write(UnitRoundLine)]
    quote = connection.ops.quote_name
    meta = UnitRoundLine._meta
    field_ = meta.get_field("award_record")
    column, pk, kind = quote(field_.column), quote(meta.pk.column), field_.db_type(connection)
    cases = " ".join(["WHEN %s THEN CAST(%s AS " + kind + ")"] * len(lines))
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {column} = CASE {pk} {cases} ELSE {column} END "
        f"WHERE {pk} IN ({', '.join(['%s'] * len(lines))})"
    )
    params = [value for line in lines for value in (line.pk, line.award_record_id)]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *(line.pk for line in lines)])


# -- the unit council (councils.registry) ----------------------------------------------------------------------------
def line_figures(line: UnitRoundLine) -> str:
    """ "tổng số thành viên 20; số đạt Lao động tiên tiến 15; …": a collective's line's figures as recorded."""
    return "; ".join(
        f"{figure_label(name)} {getattr(line, name)}"
        for name in FIGURE_FIELDS
        if getattr(line, name) is not None
    )


#: {council term id: its council} read in this submission already (known_councils), for the sessions read again
#: without their term (the agenda's own read of the session asks own_council_refusal once more)
_KNOWN_COUNCILS: ContextVar[dict | None] = ContextVar("unit_round_known_councils", default=None)


@contextmanager
def known_councils(session):
    """Inside the block, own_council_refusal takes the council of `session`'s term (loaded with it, as the
    submission form's choices are) instead of reading it again for another copy of a session of that term."""
    known = dict(_KNOWN_COUNCILS.get() or {})
    if session.__class__.council_term.is_cached(session):
        term = session.council_term
        if term.__class__.council.is_cached(term):
            known[term.pk] = term.council
    token = _KNOWN_COUNCILS.set(known)
    try:
        yield
    finally:
        _KNOWN_COUNCILS.reset(token)


def own_council_refusal(unit_round: UnitRound, session) -> str | None:
    """Why `session` is not one of the round's own unit council (kind «unit», council.unit = the round's unit)."""
    council = None
    if not session.__class__.council_term.is_cached(session):
        council = (_KNOWN_COUNCILS.get() or {}).get(session.council_term_id)
    if council is None:
        council = session.council_term.council
    if council.kind == CouncilKind.UNIT and council.unit_id == unit_round.unit_id:
        return None
    return _(
        "«%(council)s» không phải hội đồng thi đua – khen thưởng của %(unit)s; đợt bình xét của đơn vị chỉ trình "
        "hội đồng của chính đơn vị."
    ) % {"council": council.name, "unit": unit_round.unit.name}


def round_line_summary(line: UnitRoundLine) -> str:
    """What the council's agenda says of a line: a person with their position, a collective with its member
    figures, then the achievement."""
    nominee = line.nominee
    if nominee.kind == RecipientKind.COLLECTIVE:
        return _("Tập thể %(name)s (%(figures)s): %(report)s") % {
            "name": nominee.full_name,
            "figures": line_figures(line) or "—",
            "report": line.achievement_report[:1500],
        }
    return _("%(name)s (%(position)s): %(report)s") % {
        "name": nominee.full_name,
        "position": nominee.position or "—",
        "report": line.achievement_report[:1500],
    }


def round_agenda_terms(*, subject: UnitRoundLine, session) -> AgendaTerms:
    """How a round line is put to a council (dossiers.agenda_terms.round_line_terms: only the unit's own council
    votes on it, on the pass rule of the line's award version; a city award never takes this path)."""
    from .agenda_terms import round_line_terms

    line = UnitRoundLine.objects.select_related("award__rule_version", "nominee", "unit_round__unit").get(
        pk=subject.pk
    )
    return round_line_terms(line, session)


def round_result_receive(*, subject: UnitRoundLine, result: ItemResult, actor: audit.Actor) -> None:
    """The unit council's result for one line (from its tally); once no line waits, the round is voted."""
    verb = "council_pass" if result.passed else "council_fail"
    role = actor.role or "system"
    behalf = getattr(actor.on_behalf_of, "pk", None)
    tally = {
        "council_result": {
            "session": result.session_id,
            "item": result.item_id,
            "agree": result.agree,
            "disagree": result.disagree,
            "abstain": result.abstain,
            "base": result.base_count,
            "passed": result.passed,
            "explanation": result.explanation,
        }
    }
    with internal_step(subject, role=role, on_behalf_of_id=behalf, payload=result):
        engine.perform(subject, verb, user=actor.user, client_ip=actor.client_ip, extra_audit=tally)
    _record_if_none_waiting([subject.unit_round_id], role=role, behalf=behalf, actor=actor)


def round_results_receive(*, pairs: list[tuple[UnitRoundLine, ItemResult]], actor: audit.Actor) -> None:
    """The unit council's results for many lines in one call (councils.registry on_results): the lines passed and
    those failed each moved with one engine.perform_many, every line's tally recorded on it (and in its audit
    event's changes); then each round whose lines all have a result is voted. The lines are the subjects the
    delivery has just read in this transaction (the engine locks and reads them again), not read a third time."""
    role = actor.role or "system"
    behalf = getattr(actor.on_behalf_of, "pk", None)
    results = {subject.pk: result for subject, result in pairs}
    lines = sorted({subject.pk: subject for subject, _result in pairs}.values(), key=lambda line: line.pk)
    for passed, verb in ((True, "council_pass"), (False, "council_fail")):
        group = [line for line in lines if results[line.pk].passed is passed]
        if group:
            with internal_steps(group, role=role, on_behalf_of_id=behalf, payload=results):
                engine.perform_many(group, verb, user=actor.user, client_ip=actor.client_ip)
    _record_if_none_waiting({line.unit_round_id for line in lines}, role=role, behalf=behalf, actor=actor)


def _record_if_none_waiting(round_ids, *, role, behalf, actor: audit.Actor) -> None:
    """Each of the rounds still on the agenda with no line waiting for its result is voted: the rounds and whether
    a line still waits read in one statement, the answer handed to the transition's condition (_all_results_in),
    which does not ask again."""
    from django.db.models import Exists, OuterRef

    from .unit_round_lifecycle import NONE_WAITING

    waiting = UnitRoundLine.objects.filter(unit_round=OuterRef("pk"), state=RoundLineState.ON_AGENDA)
    for unit_round in (
        UnitRound.objects.filter(pk__in=round_ids).annotate(waiting=Exists(waiting)).order_by("pk")
    ):
        if unit_round.state == RoundState.ON_AGENDA and not unit_round.waiting:
            token = NONE_WAITING.set(NONE_WAITING.get() | {unit_round.pk})
            try:
                with internal_step(unit_round, role=role, on_behalf_of_id=behalf):
                    engine.perform(
                        unit_round, "record_council_results", user=actor.user, client_ip=actor.client_ip
                    )
            finally:
                NONE_WAITING.reset(token)


# -- reads ---------------------------------------------------------------------------------------------------------
def rounds_visible_to(user):
    """The rounds `user` sees: every round for the Board, auditors and the chairman (read only); otherwise the
    rounds of the units where they hold a role today, and those put to a council term they sit on."""
    from .policies import unit_rounds_scope_q

    rounds = UnitRound.objects.select_related("unit", "session__council_term__council")
    scope = unit_rounds_scope_q(user)
    return rounds if scope is None else rounds.filter(scope)


def own_council_sessions(unit_round: UnitRound):
    """The sessions of the round's unit council that still take items (the submission form's choices)."""
    from councils.models import Session
    from councils.services import AGENDA_OPEN_STATES

    return (
        Session.objects.filter(
            state__in=AGENDA_OPEN_STATES,
            council_term__council__kind=CouncilKind.UNIT,
            council_term__council__unit_id=unit_round.unit_id,
        )
        .select_related("council_term__council")
        .order_by("planned_on", "pk")
    )


def round_summary(unit_round: UnitRound) -> list[dict]:
    """Per award: how many lines, and how many in each state (the round page's head count)."""
    from django.db.models import Count

    rows = (
        unit_round.lines.values("award__code", "award__name", "state")
        .annotate(n=Count("pk"))
        .order_by("award__name", "state")
    )
    summary: dict[str, dict] = {}
    for row in rows:
        entry = summary.setdefault(
            row["award__code"], {"award": row["award__name"], "total": 0, "states": {}}
        )
        entry["total"] += row["n"]
        entry["states"][str(RoundLineState(row["state"]).label)] = row["n"]
    return list(summary.values())


def decision_context(unit_round: UnitRound, *, draft: bool = False) -> dict:
    """What the decision and its annex show: the awardees grouped by award, persons and collectives in separate
    sections (the draft: the lines the council passed), the council's session, the header of a document issued by the unit under the people's committee
    (Decree 30)."""
    from workflows.names import full_name
    from workflows.pdf import Signature, decree30_header, issuing_body

    lines = list(
        unit_round.lines.filter(state=RoundLineState.PASSED if draft else RoundLineState.AWARDED)
        .select_related("nominee", "award__rule_version")
        .order_by("award__name", "row_number", "pk")
    )
    groups: dict[str, dict] = {}
    team_groups: dict[str, dict] = {}
    for line in lines:
        into = team_groups if line.nominee.kind == RecipientKind.COLLECTIVE else groups
        into.setdefault(line.award.code, {"award": line.award, "lines": []})["lines"].append(line)
    versions = []
    for line in lines:
        version = getattr(line.award, "rule_version", None)
        if version is not None and version not in versions:
            versions.append(version)
    day = unit_round.decision_date or date.today()
    return {
        "round": unit_round,
        "unit": unit_round.unit,
        "groups": list(groups.values()),
        "collective_groups": list(team_groups.values()),
        "count": len(lines),
        "person_count": sum(len(group["lines"]) for group in groups.values()),
        "collective_count": sum(len(group["lines"]) for group in team_groups.values()),
        "session": unit_round.session,
        "basis": citations(versions),
        "body": issuing_body(),
        "header": decree30_header(
            day=day, number=unit_round.decision_number, blank_number="/QĐ", issuer=unit_round.unit.name
        ),
        "signature": Signature(
            title="THỦ TRƯỞNG ĐƠN VỊ", name=full_name(unit_round.decided_by) if unit_round.decided_by else ""
        ),
        "recipients": ["Như Điều 3", "Lưu: VT"],
        "is_draft": unit_round.state != RoundState.DECIDED,
    }
