"""The history page of a dossier after a few steps speaks Vietnamese (issue 14 item 9): the steps' labels, the
states' labels, local time to the second, what each event concerns, the line's appraisal marked as the line's."""

import re

import pytest

pytestmark = pytest.mark.browser

TITLE = (
    "Đề nghị Chiến sĩ thi đua toàn quốc năm 2023"  # seed_demo: submitted, accepted, line proposed, signed off
)


def test_the_board_reads_a_dossiers_history_in_vietnamese(login, server_url, tmp_path):
    page = login("board.officer")
    page.goto(f"{server_url}/ho-so/")
    page.click(f"text={TITLE}")
    page.wait_for_load_state()
    page.click("main a.button:has-text('Lịch sử xử lý')")
    page.wait_for_load_state()
    page.screenshot(path=str(tmp_path / "history.png"), full_page=True)
    timeline = page.inner_text("main ol.timeline")
    assert "Trình hồ sơ · Dự thảo → Đã trình" in timeline
    assert "Tiếp nhận · Đã trình → Ban TĐKT đã tiếp nhận" in timeline
    assert "Ký duyệt thẩm định · Ban TĐKT đã tiếp nhận → Đã thẩm định" in timeline
    assert "Thêm đối tượng đề nghị" in timeline and "Đối tượng: Phạm Quốc Bảo" in timeline
    assert "Tải lên tài liệu" in timeline and "Tài liệu: " in timeline
    # the line's appraisal, on the dossier's history, marked as the line's
    part = page.locator("main li.history-part").filter(has_text="Đề nghị trình hội đồng")
    assert part.count() == 1
    assert "Đối tượng trong hồ sơ" in part.inner_text() and "Phạm Quốc Bảo" in part.inner_text()
    assert re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}", timeline)
    for code in ("submit", "document_upload", "nominee_add", "sign_off", "propose", "draft"):
        assert not re.search(rf"\b{code}\b", timeline), code
    assert not re.search(r"\d{2}:\d{2}:\d{2}\.\d", timeline)
