"""In a real browser: the Board head opens this year's plan, starts an activity, a Board officer completes it."""

import re
from datetime import date

import pytest

pytestmark = pytest.mark.browser


def test_board_runs_an_activity_from_the_dashboard(login, server_url, tmp_path):
    page = login("board.head")
    page.click("header nav >> text=Kế hoạch TĐKT")
    assert page.url == f"{server_url}/ke-hoach/{date.today().year}/"
    assert page.locator("td.num").count() == 32
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    # the year's last activity is always still to be started in the demo (demo/plan_history.py)
    page.locator("table a", has_text="Sưu tầm, tổng hợp tư liệu").click()
    assert re.search(r"/ke-hoach/hoat-dong/\d+/$", page.url)
    activity_url = page.url
    page.click("main a.button >> text=Bắt đầu thực hiện")
    page.fill("#id_comment", "Bắt đầu tổng hợp số liệu")
    page.click("main button[type=submit]")
    assert page.url == activity_url
    assert "Đang thực hiện" in page.locator("main").inner_text()

    officer = login("board.officer")
    officer.goto(activity_url)
    officer.click("main a.button >> text=Hoàn thành")
    officer.click("main button[type=submit]")
    assert "Cần minh chứng kết quả" in officer.content()
    officer.fill("#id_evidence_number", "35/BC-BTĐKT")
    officer.fill("#id_evidence_date", date.today().strftime("%d/%m/%Y"))
    officer.click("main button[type=submit]")
    assert officer.url == activity_url
    text = officer.locator("main").inner_text()
    assert "Hoàn thành" in text and "35/BC-BTĐKT" in text
