"""Excel import of initiatives into a round: the template the page offers, and the reading of a filled-in file
into rows (each with its own Vietnamese errors). The writing is innovation.services.initiatives_import."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dossiers.models.catalogue import AwardLevel
from organisations.models import Unit
from workflows.exports import workbook_bytes
from workflows.uploads import open_xlsx_upload, sheet_key, stream_sheet_rows, unreadable_xlsx

from .models import InitiativeField

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 1000
#: Rows read at most, blank ones included (a sheet of a million empty rows is refused, not walked through).
MAX_SCANNED_ROWS = 5 * MAX_IMPORT_ROWS
FIRST_DATA_ROW = 2

#: (key, column heading, explanation): the columns of the template, in order.
COLUMNS = (
    ("unit", gettext_lazy("Đơn vị nộp"), gettext_lazy("Mã hoặc tên đầy đủ của đơn vị (như trong danh mục).")),
    ("title", gettext_lazy("Tên sáng kiến"), gettext_lazy("Bắt buộc; không trùng với dòng khác.")),
    ("field", gettext_lazy("Lĩnh vực"), gettext_lazy("Một trong: %(choices)s.")),
    ("summary", gettext_lazy("Tóm tắt"), gettext_lazy("Bắt buộc.")),
    ("problem", gettext_lazy("Vấn đề cần giải quyết"), gettext_lazy("Bắt buộc.")),
    ("solution", gettext_lazy("Giải pháp"), gettext_lazy("Bắt buộc.")),
    (
        "first_applied_on",
        gettext_lazy("Ngày áp dụng lần đầu"),
        gettext_lazy("Ngày dạng dd/mm/yyyy (hoặc ô kiểu ngày); không ở tương lai."),
    ),
    ("benefits", gettext_lazy("Hiệu quả đạt được"), gettext_lazy("Bắt buộc.")),
    (
        "requested_scope",
        gettext_lazy("Phạm vi ảnh hưởng đề nghị"),
        gettext_lazy("Một trong: %(scopes)s."),
    ),
    (
        "lower_recognition",
        gettext_lazy("Quyết định công nhận cấp dưới"),
        gettext_lazy("Không bắt buộc (số, ngày quyết định của cơ sở)."),
    ),
    (
        "authors",
        gettext_lazy("Tác giả và tỷ lệ đóng góp"),
        gettext_lazy(
            "Dạng «Họ và tên: tỷ lệ», các tác giả cách nhau bởi dấu chấm phẩy, tổng bằng 100; "
            "ví dụ «Lê Thị Mai: 60; Trần Văn Bình: 40». Tác giả thuộc đơn vị nộp."
        ),
    ),
)


@dataclass
class ImportRow:
    number: int
    unit: Unit | None = None
    data: dict = field(default_factory=dict)
    authors: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


_key = sheet_key


def _explanations() -> list[str]:
    choices = ", ".join(str(label) for label in InitiativeField.labels)
    scopes = ", ".join(str(label) for label in AwardLevel.labels)
    return [str(text) % {"choices": choices, "scopes": scopes} for _key_, _heading, text in COLUMNS]


def template_bytes() -> bytes:
    """The template the import page offers: the headings, one example row, and a sheet explaining each column."""
    example = [
        "Mã đơn vị",
        "Ứng dụng mã QR trong quản lý tài sản công",
        str(InitiativeField.ECONOMY.label),
        "Gắn mã QR cho từng tài sản.",
        "Kiểm kê thủ công mất nhiều ngày.",
        "Quét mã QR để kiểm kê.",
        "01/03/2023",
        "Giảm 80 % thời gian kiểm kê.",
        str(AwardLevel.GRASSROOTS.label),
        "",
        "Lê Thị Mai: 60; Trần Văn Bình: 40",
    ]
    return workbook_bytes(
        sheet_title=_("Sáng kiến"),
        heading=[],
        header=[str(heading) for _key_, heading, _text in COLUMNS],
        rows=[example],
        widths=[18, 40, 16, 30, 30, 30, 14, 30, 16, 24, 40],
        extra_sheets=[
            (
                _("Hướng dẫn"),
                [_("Cột"), _("Cách ghi")],
                [
                    [str(heading), text]
                    for (_k, heading, _t), text in zip(COLUMNS, _explanations(), strict=True)
                ]
                + [
                    [
                        _("Lưu ý"),
                        _(
                            "Mỗi dòng là một sáng kiến, bắt đầu từ dòng 2 (xóa dòng ví dụ). Nếu có dòng sai, "
                            "không sáng kiến nào được nhập; hệ thống báo lỗi theo số dòng."
                        ),
                    ]
                ],
                [28, 100],
            )
        ],
    )


def _choice(value, choices) -> str | None:
    wanted = _key(value)
    for code, label in choices:
        if wanted in (_key(code), _key(label)):
            return code
    return None


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


def _authors(text, unit) -> tuple[list[dict], list[str]]:
    authors, errors = [], []
    parts = [part.strip() for part in str(text or "").replace("\n", ";").split(";") if part.strip()]
    if not parts:
        return [], [_("Cần ghi ít nhất một tác giả (dạng «Họ và tên: tỷ lệ»).")]
    for part in parts:
        name, sep, share = part.rpartition(":")
        if not sep or not name.strip():
            errors.append(_("Tác giả «%(text)s» cần ghi dạng «Họ và tên: tỷ lệ».") % {"text": part})
            continue
        try:
            value = Decimal(share.strip().rstrip("%").strip().replace(",", "."))
        except InvalidOperation:
            errors.append(_("Tỷ lệ đóng góp của «%(name)s» không phải là số.") % {"name": name.strip()})
            continue
        authors.append({"full_name": name.strip(), "unit": unit, "share": value})
    return authors, errors


def _units_by_key() -> dict[str, Unit]:
    units = {}
    for unit in Unit.objects.filter(is_active=True):
        units[_key(unit.code)] = unit
        units.setdefault(_key(unit.name), unit)
    return units


def read_rows(upload) -> list[ImportRow]:
    """Read a filled-in template. Problems with the file itself raise ValidationError({"file": …}); problems of
    a row are listed on that row (its number as Excel shows it)."""
    from zipfile import BadZipFile

    book = open_xlsx_upload(upload, max_bytes=MAX_IMPORT_BYTES)
    try:
        body = _stream_body(book)
    except (BadZipFile, KeyError, OSError, ValueError, SyntaxError, IndexError):
        raise unreadable_xlsx() from None
    finally:
        book.close()
    units = _units_by_key()
    return [_read_row(number, line, units) for number, line in body]


def _stream_body(book) -> list[tuple[int, tuple]]:
    return stream_sheet_rows(
        book,
        headings=[heading for _k, heading, _t in COLUMNS],
        first_data_row=FIRST_DATA_ROW,
        max_scanned_rows=MAX_SCANNED_ROWS,
        max_rows=MAX_IMPORT_ROWS,
        too_many_rows=_("Dòng %(row)d: mỗi lần nhập tối đa %(n)d sáng kiến."),
    )


def _read_row(number: int, line, units) -> ImportRow:
    values = dict(zip((key for key, _h, _t in COLUMNS), list(line) + [None] * len(COLUMNS), strict=False))
    row = ImportRow(number=number)
    row.unit = units.get(_key(values["unit"]))
    if row.unit is None:
        row.errors.append(
            _("Không tìm thấy đơn vị «%(unit)s».") % {"unit": str(values["unit"] or "").strip()}
            if values["unit"]
            else _("Thiếu đơn vị nộp.")
        )
    for key in ("title", "summary", "problem", "solution", "benefits", "lower_recognition"):
        row.data[key] = (
            " ".join(str(values[key] or "").split()) if key == "title" else str(values[key] or "").strip()
        )
    if not row.data["title"]:
        row.errors.append(_("Thiếu tên sáng kiến."))
    row.data["field"] = _choice(values["field"], InitiativeField.choices)
    if row.data["field"] is None:
        row.errors.append(
            _("Lĩnh vực «%(value)s» không có trong danh mục.") % {"value": str(values["field"] or "").strip()}
        )
    scope = values["requested_scope"]
    row.data["requested_scope"] = _choice(scope, AwardLevel.choices) if scope else AwardLevel.CITY
    if row.data["requested_scope"] is None:
        row.errors.append(_("Phạm vi ảnh hưởng «%(value)s» không hợp lệ.") % {"value": str(scope).strip()})
    row.data["first_applied_on"] = _date(values["first_applied_on"])
    if row.data["first_applied_on"] is None:
        row.errors.append(_("Ngày áp dụng lần đầu không hợp lệ (ghi dạng dd/mm/yyyy)."))
    row.authors, author_errors = _authors(values["authors"], row.unit)
    row.errors.extend(author_errors)
    return row
