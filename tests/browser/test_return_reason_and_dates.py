"""In the browser (issue 14 items 4 and 6): the unit officer opens the demo dossier the Board returned and reads
the reason, each item to supplement and the deadline, then its history; the Board officer plans a session on a
day already past and is refused next to the date, with what was typed kept."""

import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

pytestmark = pytest.mark.browser

RETURNED = "Đề nghị Bằng khen cho Chủ tịch UBND phường Tân An"
SHOTS = Path(tempfile.gettempdir()) / "tdkt-screenshots"  # to look at the pages as a user would


def _shot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def test_the_unit_reads_why_its_dossier_was_returned(login, server_url):
    officer = login("unit.officer")
    officer.goto(f"{server_url}/ho-so/?state=returned")
    officer.click(f"text={RETURNED}")
    officer.wait_for_load_state()
    returns = officer.locator("#returns")
    assert "Trả lại lần 1" in returns.inner_text()
    assert returns.locator(".return-reason").inner_text() == "Hồ sơ cần bổ sung trước khi tiếp nhận."
    assert returns.locator(".return-items li").all_inner_texts() == [
        "Võ Thị Ngọc Hân – Bằng khen: báo cáo thành tích chưa có xác nhận của cấp trình",
        "Biên bản họp Hội đồng TĐKT quận thiếu chữ ký thư ký",
    ]
    assert "Hạn bổ sung" in returns.inner_text()
    _shot(officer, "i14-4-returned-dossier.png")
    officer.click("main a.button:has-text('Lịch sử xử lý')")
    officer.wait_for_load_state()
    assert "Hồ sơ cần bổ sung trước khi tiếp nhận." in officer.inner_text("main")


def test_a_session_planned_in_the_past_is_refused_next_to_the_date(login, server_url):
    board = login("board.officer")
    board.goto(f"{server_url}/hoi-dong/phien/moi/")
    yesterday = (timezone.localdate() - timedelta(days=1)).strftime("%d/%m/%Y")
    board.select_option("#id_council_term", index=1)
    board.fill("#id_title", "Phiên họp đã qua (kiểm thử)")
    board.fill("#id_planned_on", yesterday)
    board.click("main form button[type=submit]")
    board.wait_for_load_state()
    field = board.locator("#id_planned_on")
    assert (
        field.input_value() == yesterday and board.input_value("#id_title") == "Phiên họp đã qua (kiểm thử)"
    )
    _shot(board, "i14-6-session-in-the-past.png")
    error = board.locator("main form .errorlist", has_text="Ngày họp đã qua")
    assert error.count() == 1
