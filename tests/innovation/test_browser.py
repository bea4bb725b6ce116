"""In the browser, from separate logins on the demo data: the Board opens a round with the web form, a unit
submits an initiative, the Board screens it and opens the reviews, a reviewer scores it.
Run with `pytest -m browser tests/innovation`."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

pytestmark = pytest.mark.browser

TITLE = "Đợt xét sáng kiến kiểm thử trình duyệt"
INITIATIVE = "Sổ tay điện tử hướng dẫn thủ tục đất đai"


def _transition(page, server_url, model, pk, name):
    page.goto(f"{server_url}/thao-tac/innovation/{model}/{pk}/{name}/")
    page.click("main form.card button[type=submit]")
    page.wait_for_load_state()
    return page.content()


def test_board_opens_a_round_unit_submits_reviewer_scores(login, server_url):
    today = timezone.localdate()
    board = login("board.officer")
    board.goto(f"{server_url}/sang-kien/")
    board.click("text=Mở đợt xét mới")
    assert (
        "Hội đồng Sáng kiến thành phố Cần Thơ"
        in board.locator("#id_council_term option:checked").inner_text()
    )
    board.fill("#id_title", TITLE)
    board.check("input[name=fields_][value=society]")
    board.fill("#id_submission_opens_on", today.strftime("%d/%m/%Y"))
    board.fill("#id_submission_closes_on", (today + timedelta(days=20)).strftime("%d/%m/%Y"))
    board.fill("#id_reviewers_per_initiative", "1")
    assert "Tính mới, tính sáng tạo | 30" in board.input_value("#id_criteria")
    board.locator("label", has_text="(innovation.member9)").locator("input").check()
    board.click("main form#round-form button[type=submit]")
    board.wait_for_load_state()
    assert f"Đã mở đợt «{TITLE}»" in board.content(), board.locator("main").inner_text()
    round_id = re.search(r"/sang-kien/dot/(\d+)/", board.url).group(1)

    unit = login("unit.officer")
    unit.goto(f"{server_url}/sang-kien/dot/{round_id}/")
    unit.click("main a:has-text('Nộp sáng kiến')")
    unit.fill("#id_title", INITIATIVE)
    unit.select_option("#id_field", "society")
    for field, text in (
        ("summary", "Sổ tay điện tử trên cổng thông tin của quận."),
        ("problem", "Người dân không rõ hồ sơ cần chuẩn bị."),
        ("solution", "Hướng dẫn từng bước, có mẫu đơn điền sẵn."),
        ("benefits", "Giảm 50 % hồ sơ phải bổ sung."),
    ):
        unit.fill(f"#id_{field}", text)
    unit.fill("#id_first_applied_on", "01/02/2023")
    unit.fill("#id_authors-0-full_name", "Huỳnh Ngọc Anh")
    ninh_kieu = unit.locator("#id_authors-0-unit option", has_text="Ninh Kiều").first.get_attribute("value")
    unit.select_option("#id_authors-0-unit", ninh_kieu)
    unit.fill("#id_authors-0-share", "100")
    unit.click("main form.card button[type=submit]")
    unit.wait_for_load_state()
    assert f"Đã nộp sáng kiến «{INITIATIVE}»" in unit.content()
    initiative_id = re.search(r"/sang-kien/(\d+)/", unit.url).group(1)

    assert "Đã thực hiện" in _transition(board, server_url, "round", round_id, "close_submissions")
    assert "Đã thực hiện" in _transition(board, server_url, "round", round_id, "start_screening")
    assert "Đã thực hiện" in _transition(board, server_url, "initiative", initiative_id, "screen")
    board.goto(f"{server_url}/sang-kien/dot/{round_id}/")
    board.click("text=Phân công đều cho các sáng kiến đã rà soát")
    board.wait_for_load_state()
    assert "Đã phân công 1 lượt chấm." in board.content()
    assert "Đã thực hiện" in _transition(board, server_url, "round", round_id, "start_reviewing")

    reviewer = login("innovation.member9")
    reviewer.goto(f"{server_url}/sang-kien/cham-diem/")
    reviewer.locator("tr", has_text=INITIATIVE).locator("a:has-text('Chấm điểm')").click()
    reviewer.wait_for_load_state()
    for points in reviewer.locator("input[name^=points_]").all():
        points.fill("10")
    for justification in reviewer.locator("textarea[name^=justification_]").all():
        justification.fill("Có minh chứng áp dụng thực tế.")
    reviewer.click("main button[name=submit]")
    reviewer.wait_for_load_state()
    assert "Đã nộp phiếu chấm." in reviewer.content(), reviewer.locator("main").inner_text()

    board.goto(f"{server_url}/sang-kien/{initiative_id}/")
    page = board.content()
    assert "Đã chấm điểm" in page and "Điểm trung bình: 40" in page
