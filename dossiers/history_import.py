"""Excel import of a nominee's past titles, yearly ratings and recognised initiatives: the template (with
dropdowns) the nominee page offers, and the reading of a filled-in file into rows, each with its own Vietnamese
errors. The writing is dossiers.services.history_import (all or nothing)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflows.exports import safe_append
from workflows.uploads import open_xlsx_upload, sheet_key, stream_sheet_rows, unreadable_xlsx

from .models import AwardType, Nominee
from .models.catalogue import AwardLevel, OccasionKind, RecipientKind
from .models.nominees import Rating

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 200
#: Rows read at most, blank ones included (a sheet of a million empty rows is refused, not walked through).
MAX_SCANNED_ROWS = 5 * MAX_IMPORT_ROWS
FIRST_DATA_ROW = 2

KIND_LABELS = {
    "title": gettext_lazy("Danh hiệu, hình thức"),
    "rating": gettext_lazy("Xếp loại"),
    "initiative": gettext_lazy("Sáng kiến, đề tài"),
}

#: (key, column heading, explanation): the columns of the template, in order.
COLUMNS = (
    ("kind", gettext_lazy("Loại"), gettext_lazy("Chọn trong danh sách: %(kinds)s.")),
    ("year", gettext_lazy("Năm"), gettext_lazy("Năm thành tích, xếp loại hoặc công nhận (4 chữ số).")),
    (
        "what",
        gettext_lazy("Danh hiệu / xếp loại / tên sáng kiến"),
        gettext_lazy(
            "Danh hiệu: tên hoặc mã trong danh mục; xếp loại: một trong %(ratings)s; sáng kiến: tên sáng kiến."
        ),
    ),
    ("scope", gettext_lazy("Phạm vi ảnh hưởng"), gettext_lazy("Chỉ với sáng kiến: một trong %(scopes)s.")),
    (
        "authority",
        gettext_lazy("Cấp quyết định / cơ quan công nhận"),
        gettext_lazy("Bắt buộc với danh hiệu; ví dụ «Chủ tịch UBND thành phố»."),
    ),
    ("decision_number", gettext_lazy("Số quyết định"), gettext_lazy("Bắt buộc: quyết định làm căn cứ.")),
    (
        "decision_date",
        gettext_lazy("Ngày quyết định"),
        gettext_lazy("Ngày dạng dd/mm/yyyy (hoặc ô kiểu ngày)."),
    ),
    (
        "occasion",
        gettext_lazy("Loại khen thưởng"),
        gettext_lazy(
            "Chỉ với danh hiệu: một trong %(occasions)s; để trống là thường xuyên (tổng kết năm). Chỉ khen "
            "thưởng thường xuyên được tính vào số năm liên tục."
        ),
    ),
    (
        "central_document_number",
        gettext_lazy("Số văn bản công nhận của Trung ương"),
        gettext_lazy("Chỉ với sáng kiến phạm vi Nhà nước (toàn quốc): bắt buộc."),
    ),
    (
        "central_document_date",
        gettext_lazy("Ngày văn bản công nhận của Trung ương"),
        gettext_lazy("Chỉ với sáng kiến phạm vi Nhà nước (toàn quốc): ngày dạng dd/mm/yyyy."),
    ),
)


@dataclass
class HistoryRow:
    number: int
    kind: str = ""
    fields: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


_key = sheet_key


def awards_for(nominee: Nominee) -> list[AwardType]:
    """One version per award code (the latest) of the titles and forms this nominee's kind may hold."""
    latest: dict[str, AwardType] = {}
    for award in AwardType.objects.order_by("code", "-effective_from"):
        if award.accepts(nominee.kind):
            latest.setdefault(award.code, award)
    return sorted(latest.values(), key=lambda award: (award.level, award.name))


def _ratings() -> list[str]:
    return [f"{code} – {label}" for code, label in Rating.choices]


def template_bytes(nominee: Nominee) -> bytes:
    """The template for `nominee`: the headings, dropdowns for the kind, the award/rating and the scope (lists on
    a "Danh mục" sheet), and a sheet explaining each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    kinds = [str(label) for key, label in KIND_LABELS.items() if key != "rating" or _has_ratings(nominee)]
    whats = [award.name for award in awards_for(nominee)] + (_ratings() if _has_ratings(nominee) else [])
    scopes = [str(label) for label in AwardLevel.labels]
    occasions = [str(label) for label in OccasionKind.labels]

    book = Workbook()
    sheet = book.active
    sheet.title = str(_("Quá trình"))[:31]
    safe_append(sheet, [str(heading) for _k, heading, _t in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, width in enumerate((18, 8, 48, 18, 32, 18, 16, 30, 22, 16), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    lists = book.create_sheet(str(_("Danh mục"))[:31])
    for column, values in enumerate((kinds, whats, scopes, occasions), start=1):
        for row, value in enumerate(values, start=1):
            safe_append_cell(lists, row, column, value)
    list_name = lists.title.replace("'", "''")
    last = MAX_IMPORT_ROWS + 1
    for column, source, strict in (("A", "A", True), ("C", "B", False), ("D", "C", True), ("H", "D", True)):
        size = {"A": len(kinds), "B": len(whats), "C": len(scopes), "D": len(occasions)}[source]
        if not size:
            continue
        rule = DataValidation(
            type="list",
            formula1=f"'{list_name}'!${source}$1:${source}${size}",
            allow_blank=True,
            showErrorMessage=strict,  # free text allowed in column C: an initiative's title
            errorTitle=str(_("Giá trị không có trong danh sách")),
            error=str(_("Chọn một giá trị trong danh sách.")),
        )
        rule.add(f"{column}{FIRST_DATA_ROW}:{column}{last}")
        sheet.add_data_validation(rule)
    guide = book.create_sheet(str(_("Hướng dẫn"))[:31])
    safe_append(guide, [str(_("Cột")), str(_("Cách ghi"))])
    substitutions = {
        "kinds": ", ".join(kinds),
        "ratings": ", ".join(code for code, _label in Rating.choices),
        "scopes": ", ".join(scopes),
        "occasions": ", ".join(occasions),
    }
    for _k, heading, text in COLUMNS:
        safe_append(guide, [str(heading), str(text) % substitutions])
    safe_append(
        guide,
        [
            str(_("Lưu ý")),
            str(
                _(
                    "Mỗi dòng là một bản ghi, bắt đầu từ dòng 2. Nếu có dòng sai, không bản ghi nào được nhập; "
                    "hệ thống báo lỗi theo số dòng. Các bản ghi nhập vào chờ Ban TĐKT xác nhận."
                )
            ),
        ],
    )
    guide.column_dimensions["A"].width = 34
    guide.column_dimensions["B"].width = 100
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def safe_append_cell(sheet, row: int, column: int, value) -> None:
    from workflows.exports import safe_set

    safe_set(sheet.cell(row=row, column=column), value)


def _has_ratings(nominee: Nominee) -> bool:
    return nominee.kind == RecipientKind.INDIVIDUAL


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


def _year(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) == 4 else None


def read_rows(upload, nominee: Nominee) -> list[HistoryRow]:
    """Read a filled-in template. Problems with the file itself raise ValidationError({"file": …}); problems of
    a row are listed on that row (its number as Excel shows it)."""
    from zipfile import BadZipFile

    book = open_xlsx_upload(upload, max_bytes=MAX_IMPORT_BYTES)
    try:
        body = _stream_body(book)
    except (BadZipFile, KeyError, OSError, ValueError, SyntaxError, IndexError, TypeError):
        raise unreadable_xlsx() from None
    finally:
        book.close()
    awards = {}
    for award in awards_for(nominee):
        awards[_key(award.code)] = award
        awards.setdefault(_key(award.name), award)
    return [_read_row(number, line, awards) for number, line in body]


def _stream_body(book) -> list[tuple[int, tuple]]:
    return stream_sheet_rows(
        book,
        headings=[heading for _k, heading, _t in COLUMNS],
        first_data_row=FIRST_DATA_ROW,
        max_scanned_rows=MAX_SCANNED_ROWS,
        max_rows=MAX_IMPORT_ROWS,
        too_many_rows=_("Dòng %(row)d: mỗi lần nhập tối đa %(n)d dòng."),
    )


def _read_row(number: int, line, awards: dict) -> HistoryRow:
    values = dict(zip((key for key, _h, _t in COLUMNS), list(line) + [None] * len(COLUMNS), strict=False))
    row = HistoryRow(number=number)
    kinds = {_key(label): key for key, label in KIND_LABELS.items()}
    row.kind = kinds.get(_key(values["kind"]), "")
    if not row.kind:
        row.errors.append(
            _("Loại «%(value)s» không hợp lệ (chọn: %(kinds)s).")
            % {
                "value": str(values["kind"] or "").strip(),
                "kinds": ", ".join(str(label) for label in KIND_LABELS.values()),
            }
        )
        return row
    fields = row.fields
    fields["year"] = _year(values["year"])
    if fields["year"] is None:
        row.errors.append(_("Năm «%(value)s» không hợp lệ (ghi 4 chữ số).") % {"value": values["year"] or ""})
    fields["decision_number"] = str(values["decision_number"] or "").strip()
    fields["decision_date"] = _date(values["decision_date"])
    if values["decision_date"] not in (None, "") and fields["decision_date"] is None:
        row.errors.append(_("Ngày quyết định không hợp lệ (ghi dạng dd/mm/yyyy)."))
    what = str(values["what"] or "").strip()
    if row.kind == "title":
        fields["award"] = awards.get(_key(what))
        fields["authority"] = str(values["authority"] or "").strip()
        if fields["award"] is None:
            row.errors.append(
                _("Không có danh hiệu, hình thức «%(value)s» trong danh mục.") % {"value": what}
            )
        occasion = _key(values["occasion"])
        fields["occasion"] = next(
            (code for code, label in OccasionKind.choices if occasion in (_key(code), _key(label))),
            None if occasion else OccasionKind.ANNUAL,
        )
        if fields["occasion"] is None:
            row.errors.append(
                _("Loại khen thưởng «%(value)s» không hợp lệ (chọn: %(occasions)s).")
                % {
                    "value": str(values["occasion"] or "").strip(),
                    "occasions": ", ".join(str(label) for label in OccasionKind.labels),
                }
            )
    elif row.kind == "rating":
        code = what.split("–")[0].split("-")[0].strip().upper()
        fields["rating"] = code if code in Rating.values else None
        if fields["rating"] is None:
            row.errors.append(_("Xếp loại «%(value)s» không hợp lệ.") % {"value": what})
    else:
        fields["title"] = what
        fields["recognised_by"] = str(values["authority"] or "").strip()
        scope = _key(values["scope"])
        fields["scope"] = next(
            (code for code, label in AwardLevel.choices if scope in (_key(code), _key(label))), None
        )
        if fields["scope"] is None:
            row.errors.append(
                _("Phạm vi ảnh hưởng «%(value)s» không hợp lệ.")
                % {"value": str(values["scope"] or "").strip()}
            )
        fields["central_document_number"] = str(values["central_document_number"] or "").strip()
        fields["central_document_date"] = _date(values["central_document_date"])
        if values["central_document_date"] not in (None, "") and fields["central_document_date"] is None:
            row.errors.append(_("Ngày văn bản công nhận của Trung ương không hợp lệ (ghi dạng dd/mm/yyyy)."))
    return row
