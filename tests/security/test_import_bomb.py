"""Hostile Excel imports (issue 12, item 10): a zip bomb, a fake .xlsx, a sheet of a million rows. Each is
refused with a Vietnamese message on the form (400) and through the API (400 JSON), quickly, and nothing is
imported; the zip bomb is refused from the zip's directory before openpyxl reads anything."""

import time
import zipfile
from io import BytesIO

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from innovation import imports
from innovation.models import Initiative
from workflows import uploads

pytestmark = pytest.mark.django_db

SHEET = "xl/worksheets/sheet1.xml"
ROW = b'<row><c t="inlineStr"><is><t>' + b"A" * 1000 + b"</t></is></c></row>"


def _template_entries() -> dict[str, bytes]:
    with zipfile.ZipFile(BytesIO(imports.template_bytes())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zip(entries: dict[str, bytes], *, bomb: tuple[str, int] | None = None) -> bytes:
    """A zip of `entries`; with `bomb=(name, megabytes)` that entry is replaced by a sheet of `megabytes` MB of
    repeated rows, deflated chunk by chunk (a few tens of KB once compressed)."""
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            if bomb and name == bomb[0]:
                continue
            archive.writestr(name, content)
        if bomb:
            chunk = ROW * (2**20 // len(ROW) + 1)
            with archive.open(bomb[0], "w", force_zip64=True) as sheet:
                sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
                sheet.write(b"<sheetData>")
                for _ in range(bomb[1]):
                    sheet.write(chunk[: 2**20])
                sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    content = _zip(_template_entries(), bomb=(SHEET, 64))
    assert len(content) < 2 * 2**20  # a small upload …
    with zipfile.ZipFile(BytesIO(content)) as archive:  # … that unzips to more than 64 MB
        assert sum(entry.file_size for entry in archive.infolist()) > 64 * 2**20
    return content


@pytest.fixture
def board_round(person):
    from tests.innovation.helpers import make_cast, open_round

    cast = make_cast(person, reviewers=1, members=1)
    return cast.board, open_round(cast)


def _web(board, round_, content: bytes):
    client = Client()
    client.force_login(board)
    return client.post(
        reverse("innovation:round_import", args=[round_.pk]),
        {"file": SimpleUploadedFile("sang-kien.xlsx", content)},
    )


def _api(board, round_, content: bytes):
    client = APIClient()
    client.force_login(board)  # a session, so that the request-size guard sees a signed-in caller
    return client.post(
        f"/api/rounds/{round_.pk}/import/",
        {"file": SimpleUploadedFile("sang-kien.xlsx", content)},
        format="multipart",
    )


@pytest.fixture
def openpyxl_never_called(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl was asked to read a file the zip directory already condemned")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def test_zip_bomb_is_refused_from_the_zip_directory_quickly(bomb, openpyxl_never_called):
    started = time.perf_counter()
    with pytest.raises(ValidationError) as refused:
        imports.read_rows(SimpleUploadedFile("bom.xlsx", bomb))
    assert time.perf_counter() - started < 1.0
    assert "giải nén ra quá lớn" in " ".join(refused.value.messages)


@pytest.mark.parametrize("channel", ["web", "api"])
def test_zip_bomb_through_the_web_and_the_api(board_round, bomb, openpyxl_never_called, channel):
    board, round_ = board_round
    started = time.perf_counter()
    response = (_web if channel == "web" else _api)(board, round_, bomb)
    assert time.perf_counter() - started < 2.0
    assert response.status_code == 400
    text = response.content.decode() if channel == "web" else " ".join(response.json()["errors"]["file"])
    assert "giải nén ra quá lớn" in text
    assert not Initiative.objects.exists()


def test_an_extreme_compression_ratio_is_refused_under_the_size_cap(monkeypatch, openpyxl_never_called):
    content = _zip(_template_entries(), bomb=(SHEET, 3))
    assert (
        sum(e.file_size for e in zipfile.ZipFile(BytesIO(content)).infolist())
        < uploads.MAX_XLSX_UNCOMPRESSED_BYTES
    )
    with pytest.raises(ValidationError) as refused:
        imports.read_rows(SimpleUploadedFile("nen.xlsx", content))
    assert "nén bất thường" in " ".join(refused.value.messages)


def test_a_zip_that_is_not_an_xlsx_is_refused(openpyxl_never_called):
    entries = _template_entries()
    del entries["[Content_Types].xml"]
    with pytest.raises(ValidationError) as refused:
        imports.read_rows(SimpleUploadedFile("gia.xlsx", _zip(entries)))
    assert "Chỉ chấp nhận tệp Excel .xlsx" in " ".join(refused.value.messages)
    truncated = _zip(_template_entries())[:-30]  # no central directory
    with pytest.raises(ValidationError) as refused:
        imports.read_rows(SimpleUploadedFile("hong.xlsx", truncated))
    assert "Chỉ chấp nhận tệp Excel .xlsx" in " ".join(refused.value.messages)


def _header_xml() -> bytes:
    cells = "".join(
        f'<c t="inlineStr"><is><t>{heading}</t></is></c>' for _key, heading, _text in imports.COLUMNS
    )
    return f'<row r="1">{cells}</row>'.encode()


def _sheet(rows: bytes) -> bytes:
    return (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + _header_xml()
        + rows
        + b"</sheetData></worksheet>"
    )


def test_a_million_blank_rows_stop_at_the_scan_limit(board_round):
    board, round_ = board_round
    entries = _template_entries()
    entries[SHEET] = _sheet(b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>')
    started = time.perf_counter()
    response = _web(board, round_, _zip(entries))
    assert time.perf_counter() - started < 2.0
    assert response.status_code == 400
    assert f"Dòng {imports.MAX_SCANNED_ROWS + 1}: tệp có quá nhiều dòng" in response.content.decode()
    assert not Initiative.objects.exists()


def test_rows_past_the_limit_are_refused_with_the_row_number(board_round):
    board, round_ = board_round
    entries = _template_entries()
    rows = b"".join(
        f'<row r="{n}"><c r="B{n}" t="inlineStr"><is><t>Sáng kiến {n}</t></is></c></row>'.encode()
        for n in range(2, imports.MAX_IMPORT_ROWS + 3)
    )
    entries[SHEET] = _sheet(rows)
    response = _api(board, round_, _zip(entries))
    assert response.status_code == 400
    message = " ".join(response.json()["errors"]["file"])
    assert f"Dòng {imports.MAX_IMPORT_ROWS + 2}: mỗi lần nhập tối đa {imports.MAX_IMPORT_ROWS}" in message
    assert not Initiative.objects.exists()
