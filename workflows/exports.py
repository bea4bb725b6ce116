"""Excel and CSV output shared by the apps: one sheet with a heading, a bold header row, the rows and column
widths; and the one rule every spreadsheet writer follows so that user text is never a live formula.

Formula injection (OWASP "CSV injection"): a cell whose text begins with `=`, `+`, `-`, `@`, a tab or a carriage
return is run as a formula by Excel and LibreOffice (`=HYPERLINK(…)`, `=cmd|' /C calc'!A0`). In a CSV file
`safe_cell` prefixes such text with a single quote; in an .xlsx file `safe_append` / `safe_set` store every
string as an inline string (`t="inlineStr"`, never `<f>`) with Excel's quote-prefix flag on the risky ones, so
the text shows exactly as typed and stays text even when the cell is edited. Numbers and dates stay numbers and
dates. tests/security/test_exports_formula.py checks every writer in the code base goes through these.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from io import BytesIO

from django.http import HttpResponse
from django.utils.functional import Promise

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: The first characters that make a spreadsheet treat a cell's text as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_risky(text: str) -> bool:
    """True when a spreadsheet would read `text` as a formula (or a DDE command)."""
    return isinstance(text, str) and text.startswith(FORMULA_TRIGGERS)


def safe_cell(value):
    """A value for a CSV cell: text that would start a formula gets a leading single quote; everything else
    (numbers, dates, None, ordinary text) is returned as it is."""
    if isinstance(value, Promise):
        value = str(value)
    if is_risky(value):
        return "'" + value
    return value


def safe_set(cell, value) -> None:
    """Put `value` into an openpyxl cell; text is always stored as a string, never as a formula."""
    if isinstance(value, Promise):
        value = str(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl makes any text starting with "=" a formula (and "#N/A" an error)
        if is_risky(value):
            cell.quotePrefix = True


def safe_append(sheet, values: Iterable) -> None:
    """`sheet.append(values)`, with every text cell stored as a string (see `safe_set`)."""
    values = [str(value) if isinstance(value, Promise) else value for value in values]
    sheet.append(values)
    row = sheet.max_row
    for column, value in enumerate(values, start=1):
        if isinstance(value, str):
            safe_set(sheet.cell(row, column), value)


def _fill(
    sheet, heading: Sequence[str], header: Sequence[str], rows: Iterable[Sequence], widths: Sequence[int]
):
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    for line in heading:
        safe_append(sheet, [line])
    if heading:
        sheet["A1"].font = Font(bold=True)
        sheet.append([])
    safe_append(sheet, header)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        safe_append(sheet, row)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def workbook_bytes(
    *,
    sheet_title: str,
    heading: Sequence[str],
    header: Sequence[str],
    rows: Iterable[Sequence],
    widths: Sequence[int] = (),
    extra_sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence], Sequence[int]]] = (),
) -> bytes:
    """An .xlsx file: `heading` lines (the first in bold) and a blank line when given, then the bold `header`
    row and `rows`; `extra_sheets` are (title, header, rows, widths) sheets after it."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = str(sheet_title)[:31]
    _fill(sheet, heading, header, rows, widths)
    for title, extra_header, extra_rows, extra_widths in extra_sheets:
        _fill(book.create_sheet(str(title)[:31]), (), extra_header, extra_rows, extra_widths)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """Send an .xlsx file as a download (`filename` in ASCII)."""
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
