"""Excel output shared by the apps: one sheet with a heading, a bold header row, the rows and column widths."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from io import BytesIO

from django.http import HttpResponse

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _fill(
    sheet, heading: Sequence[str], header: Sequence[str], rows: Iterable[Sequence], widths: Sequence[int]
):
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    for line in heading:
        sheet.append([line])
    if heading:
        sheet["A1"].font = Font(bold=True)
        sheet.append([])
    sheet.append(list(header))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        sheet.append(list(row))
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
