"""In the browser (issue 14 item 5 and "the lifecycle as a picture"): on a dossier the unit has just submitted,
the unit officer reads the step it is at, who it waits on by name, and the Board's step "Tiếp nhận" shown
disabled with the engine's reason; the diagram opens on the page; the Board officer is told it waits on them,
and the history page draws the path. Screenshots at 1280 px and 390 px wide go to the screenshots folder."""

import re
import tempfile
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

SHOTS = Path(tempfile.gettempdir()) / "tdkt-screenshots"

SUBMITTED_DOSSIER = """
from types import SimpleNamespace
from django.contrib.auth import get_user_model
from tests.dossiers.helpers import ready_dossier
from workflows import engine
from workflows.models import Membership, Role
users = get_user_model().objects
officer, head = users.get(username="unit.officer"), users.get(username="unit.head")
unit = Membership.objects.filter(user=officer, role=Role.UNIT_OFFICER).first().unit
dossier = ready_dossier(SimpleNamespace(unit=unit, officer=officer), title="TITLE")
engine.perform(dossier, "submit", user=head)
print(f"dossier {dossier.pk}")
"""

REASON = "Chỉ Chuyên viên Ban TĐKT có thẩm quyền mới được thực hiện «Tiếp nhận»."


def _shot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def _submitted_dossier(run_in_server_db) -> tuple[str, str]:
    title = f"Hồ sơ kiểm thử tiến trình {uuid.uuid4().hex[:6]}"
    output = run_in_server_db(SUBMITTED_DOSSIER.replace("TITLE", title))
    return re.search(r"dossier (\d+)", output).group(1), title


def test_the_unit_officer_reads_what_comes_next_and_why_a_step_is_not_theirs(
    login, browser, server_url, run_in_server_db
):
    pk, title = _submitted_dossier(run_in_server_db)
    officer = login("unit.officer")
    officer.set_viewport_size({"width": 1280, "height": 900})
    officer.goto(f"{server_url}/ho-so/{pk}/")
    panel = officer.locator("section.lifecycle-panel").first
    assert "Tiến trình xử lý" in panel.inner_text()
    current = panel.locator('.lifecycle-steps [aria-current="step"]')
    assert current.inner_text().startswith("Đã trình")
    waiting = panel.locator(".lifecycle-waiting").inner_text()
    assert re.fullmatch(r"Đang chờ: Chuyên viên Ban TĐKT \(.+\)", waiting), waiting
    assert "Chờ người khác xử lý" in panel.locator("h2").inner_text()
    accept = panel.locator('.lifecycle-refused li[data-transition="accept"]')
    button = accept.locator("button")
    assert button.inner_text() == "Tiếp nhận"
    assert button.is_disabled() and button.get_attribute("aria-disabled") == "true"
    assert button.get_attribute("title") == REASON
    assert accept.locator(".lc-reason").inner_text() == REASON and accept.locator(".lc-reason").is_visible()
    # the picture: closed at first, then every state drawn and the path so far highlighted
    svg = panel.locator("svg.lifecycle-svg")
    assert not svg.is_visible()
    panel.locator("details.lifecycle-diagram > summary").click()
    assert svg.is_visible()
    assert svg.locator('g.lc-current[data-state="submitted"]').count() == 1
    assert svg.locator('g.lc-taken[data-transition="submit"]').count() == 1
    assert "Hoàn tất" in svg.text_content() and "Đơn vị đã rút" in svg.text_content()
    _shot(officer, "i14-5-panel-unit-officer-1280.png")
    officer.set_viewport_size({"width": 390, "height": 844})
    officer.goto(f"{server_url}/ho-so/{pk}/")
    officer.locator("section.lifecycle-panel details.lifecycle-diagram > summary").first.click()
    width = officer.evaluate("document.documentElement.scrollWidth")
    assert width <= 392, f"the page scrolls sideways at 390 px: {width}"  # the diagram scrolls in its box
    _shot(officer, "i14-5-panel-unit-officer-390.png")


def test_the_board_is_told_it_is_their_turn_and_the_history_draws_the_path(
    login, server_url, run_in_server_db
):
    pk, title = _submitted_dossier(run_in_server_db)
    board = login("board.officer")
    board.set_viewport_size({"width": 1280, "height": 900})
    board.goto(f"{server_url}/ho-so/{pk}/")
    panel = board.locator("section.lifecycle-panel").first
    assert panel.locator(".lifecycle-waiting").inner_text() == "Đang chờ: bạn"
    assert "Chờ bạn xử lý" in panel.locator("h2").inner_text()
    assert "«Tiếp nhận»" in panel.locator(".lc-allowed").inner_text()
    # the page's own button still does it; the panel adds none
    assert board.locator("main a.button", has_text="Tiếp nhận").count() == 1
    assert panel.locator("a.button").count() == 0
    _shot(board, "i14-5-panel-board-1280.png")
    board.goto(f"{server_url}/lich-su/dossiers/dossier/{pk}/")
    svg = board.locator("svg.lifecycle-svg")
    assert svg.is_visible()
    title_text = svg.locator('g.lc-visited[data-state="submitted"] > title').text_content()
    assert re.search(r"· \d{2}/\d{2}/\d{4} \d{2}:\d{2} · \d+ ngày làm việc", title_text), title_text
    assert "Thời gian từng bước (ngày làm việc)" in board.inner_text("main")
    _shot(board, "i14-5-history-diagram-1280.png")
