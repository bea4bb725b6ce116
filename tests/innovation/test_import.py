"""Excel import of initiatives into an open round by the Board: per-row Vietnamese errors with row numbers,
all or nothing, file problems on the form, each creation audited like a submission."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from innovation import imports
from innovation.models import Initiative
from workflows.audit import history_for

from .helpers import make_cast, open_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(person):
    return make_cast(person)


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def xlsx(rows, header=None):
    book = Workbook()
    sheet = book.active
    sheet.append(header or [str(heading) for _key, heading, _text in imports.COLUMNS])
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("sang-kien.xlsx", buffer.getvalue())


def row(unit, title, authors="Lê Thị Mai: 60; Trần Văn Bình: 40", applied="01/03/2023", field="Kinh tế"):
    return [
        unit.code,
        title,
        field,
        "Tóm tắt",
        "Vấn đề",
        "Giải pháp",
        applied,
        "Hiệu quả",
        "Cơ sở",
        "",
        authors,
    ]


def test_template_lists_every_column_and_explains_them(cast):
    response = signed_in(cast.board).get(reverse("innovation:import_template"))
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    header = [cell.value for cell in book.worksheets[0][1]]
    assert header == [str(heading) for _key, heading, _text in imports.COLUMNS]
    guide = [row[0].value for row in book["Hướng dẫn"].iter_rows(min_row=2)]
    assert "Tác giả và tỷ lệ đóng góp" in guide and "Lưu ý" in guide


def test_a_good_file_creates_each_initiative_audited_as_a_submission(cast):
    round_ = open_round(cast)
    upload = xlsx(
        [
            row(cast.unit, "Số hóa sổ tiếp nhận hồ sơ"),
            [],  # blank lines are skipped
            row(cast.other_unit, "Bản đồ số trường học", authors="Đỗ Văn Hải: 100", field="education"),
        ]
    )
    response = signed_in(cast.board).post(
        reverse("innovation:round_import", args=[round_.pk]), {"file": upload}
    )
    assert response.status_code == 302
    first, second = Initiative.objects.order_by("pk")
    assert (first.title, first.unit, first.field, first.requested_scope) == (
        "Số hóa sổ tiếp nhận hồ sơ",
        cast.unit,
        "economy",
        "grassroots",
    )
    assert [(a.full_name, str(a.share), a.unit) for a in first.authors.all()] == [
        ("Lê Thị Mai", "60.00", cast.unit),
        ("Trần Văn Bình", "40.00", cast.unit),
    ]
    assert (second.unit, second.field) == (cast.other_unit, "education")
    [event] = [e for e in history_for(second) if e.verb == "submit"]
    assert event.actor == cast.board and event.target_state == "submitted" and event.data["imported_row"] == 4
    assert event.data["authors"] == [["Đỗ Văn Hải", "100.00"]]


def test_bad_rows_import_nothing_and_are_named_by_row(cast, api):
    round_ = open_round(cast)
    rows = [
        row(cast.unit, "Sáng kiến tốt"),
        row(cast.unit, "Tỷ lệ sai", authors="Lê Thị Mai: 60; Trần Văn Bình: 30"),
        ["khong-co-don-vi", "Đơn vị lạ", "Kinh tế", "a", "b", "c", "01/03/2023", "d", "", "", "An: 100"],
        row(cast.unit, "Ngày sai", applied="31/02/2023"),
        row(cast.unit, "Sáng kiến tốt"),
        row(cast.unit, "Thiếu tóm tắt")[:3] + ["", "b", "c", "01/03/2023", "d", "", "", "An: 100"],
    ]
    response = signed_in(cast.board).post(
        reverse("innovation:round_import", args=[round_.pk]), {"file": xlsx(rows)}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert not Initiative.objects.exists()
    assert "chưa nhập sáng kiến nào" in html
    html = html[html.index('id="row-errors"') : html.index("</section>", html.index('id="row-errors"'))]
    for number, text in (
        (3, "Tổng tỷ lệ đóng góp của các tác giả phải bằng đúng 100 % (hiện là 90 %)"),
        (4, "Không tìm thấy đơn vị «khong-co-don-vi»"),
        (5, "Ngày áp dụng lần đầu không hợp lệ"),
        (6, "Trùng tên sáng kiến với dòng 2"),
        (7, "Tóm tắt: "),
    ):
        assert f"<tr><td>{number}</td><td>{text}" in html, html
    assert "<tr><td>2</td>" not in html

    response = api(cast.board).post(
        f"/api/rounds/{round_.pk}/import/", {"file": xlsx(rows)}, format="multipart"
    )
    assert response.status_code == 400
    assert [item["row"] for item in response.json()["rows"]] == [3, 4, 5, 6, 7]
    assert not Initiative.objects.exists()
    created = api(cast.board).post(
        f"/api/rounds/{round_.pk}/import/", {"file": xlsx(rows[:1])}, format="multipart"
    )
    assert created.status_code == 201 and len(created.json()["created"]) == 1


def test_file_problems_are_shown_on_the_form(cast):
    round_ = open_round(cast)
    url = reverse("innovation:round_import", args=[round_.pk])
    client = signed_in(cast.board)
    not_excel = client.post(url, {"file": SimpleUploadedFile("a.xlsx", b"%PDF-1.4 not excel")})
    assert not_excel.status_code == 400 and "Chỉ chấp nhận tệp Excel .xlsx" in not_excel.content.decode()
    wrong_header = client.post(url, {"file": xlsx([row(cast.unit, "A")], header=["Tên", "Đơn vị"])})
    assert "Dòng tiêu đề không đúng mẫu" in wrong_header.content.decode()
    empty = client.post(url, {"file": xlsx([])})
    assert "Tệp không có dòng sáng kiến nào" in empty.content.decode()
    assert not Initiative.objects.exists()


def test_only_the_board_imports_and_only_while_the_round_is_open(cast, api):
    from workflows import engine

    round_ = open_round(cast)
    url = reverse("innovation:round_import", args=[round_.pk])
    assert signed_in(cast.officer).get(url).status_code == 404
    forbidden = api(cast.officer).post(
        f"/api/rounds/{round_.pk}/import/", {"file": xlsx([row(cast.unit, "A")])}, format="multipart"
    )
    assert forbidden.status_code == 403
    engine.perform(round_, "close_submissions", user=cast.board)
    closed = signed_in(cast.board).post(url, {"file": xlsx([row(cast.unit, "A")])})
    assert closed.status_code == 400 and "không nhận hồ sơ" in closed.content.decode()
    assert not Initiative.objects.exists()
