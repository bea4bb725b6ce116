"""In a real browser, on whatever date the demo is loaded: the plan menu opens this year's plan, nothing in it is
long overdue, and the 2023 plan reads as history, each activity completed with its steps in the history."""

import re
from datetime import date

import pytest

pytestmark = pytest.mark.browser


def test_the_demo_plan_describes_a_live_year(login, server_url, tmp_path):
    page = login("board.head")
    page.click("header nav >> text=Kế hoạch TĐKT")
    year = date.today().year
    assert page.url == f"{server_url}/ke-hoach/{year}/"
    text = page.locator("main").inner_text()
    assert f"năm {year}" in text
    late = [int(days) for days in re.findall(r"Quá hạn (\d+) ngày", text)]
    assert all(days <= 60 for days in late), late
    page.screenshot(path=str(tmp_path / "plan-this-year.png"), full_page=True)

    page.goto(f"{server_url}/ke-hoach/2023/")
    counts = page.locator(".card.counts").inner_text()
    assert "Hoàn thành: 32" in counts and "Quá hạn: 0" in counts
    page.screenshot(path=str(tmp_path / "plan-2023.png"), full_page=True)
    page.locator("table a", has_text="Báo cáo tổng kết công tác TĐKT năm 2022").click()
    detail = page.locator("main").inner_text()
    assert "Hoàn thành" in detail and re.search(r"\d+/BC-BTĐKT", detail) and "/2023" in detail
    page.screenshot(path=str(tmp_path / "activity-2023.png"), full_page=True)
