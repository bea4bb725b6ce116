"""At phone width (390×844) the header menu is collapsed behind a button (aria-expanded, keyboard), and a
council member whose ballot is open sees it on the first screen of the session page. Swagger UI works with
every other host unreachable. Run with `pytest -m browser tests/browser/test_phone_view.py`."""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SHOTS = Path(os.environ.get("TDKT_SCREENSHOTS", "/tmp/tdkt-screenshots"))

VOTING_SESSION = """
from datetime import timedelta
from decimal import Decimal
from django.contrib.auth import get_user_model
from django.utils import timezone
from councils import selectors, services
from councils.registry import Threshold
from organisations.models import CouncilTerm
from workflows import engine
users = get_user_model().objects
secretary, chair = users.get(username="council.secretary"), users.get(username="chairman")
term = CouncilTerm.objects.get(council__code="hd-tdkt-tp")
session = services.session_create(council_term=term, title="Phiên họp biểu quyết (kiểm thử điện thoại)",
                                  planned_on=timezone.localdate() + timedelta(days=7),
                                  actor=users.get(username="board.officer"))
for title in ("Tặng Bằng khen cho tập thể Phòng Nội vụ", "Tặng Cờ thi đua cho Trường THPT Châu Văn Liêm"):
    services.agenda_item_add(session=session, title=title, threshold=Threshold(percent=Decimal("50")),
                             actor=secretary)
engine.perform(session, "convene", user=secretary, data={"planned_on": session.planned_on.isoformat(),
                                                         "place": "Hội trường UBND thành phố"})
engine.perform(session, "lock_agenda", user=secretary)
for member in selectors.members(session):
    services.attendance_record(session=session, member=member, status="present", actor=secretary)
engine.perform(session, "open", user=chair)
engine.perform(session, "open_voting", user=secretary, data={"voting_mode": "all_items"})
print(f"session {session.pk}")
"""


@pytest.fixture
def phone(browser, server_url):
    """phone("council.member1") → a page signed in as that demo user, in a 390×844 touch viewport."""
    contexts = []

    def _phone(username):
        context = browser.new_context(locale="vi-VN", viewport=PHONE, is_mobile=True, has_touch=True)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{server_url}/dang-nhap/")
        page.fill("#id_username", username)
        page.fill("#id_password", "tdkt-demo-2023")
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        return page

    yield _phone
    for context in contexts:
        context.close()


def test_the_menu_is_collapsed_behind_a_button_that_opens_it(phone, server_url):
    page = phone("board.officer")
    toggle = page.get_by_role("button", name="Trình đơn")
    menu = page.locator("#site-menu")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert toggle.get_attribute("aria-controls") == "site-menu"
    assert not menu.is_visible()
    header = page.locator("header.top").bounding_box()
    assert header["height"] < 80, header  # one line: the brand and the button
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "phone-menu-closed.png"))

    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true" and menu.is_visible()
    dossiers = page.get_by_role("link", name="Hồ sơ khen thưởng")
    assert dossiers.is_visible()
    page.screenshot(path=str(SHOTS / "phone-menu-open.png"))
    page.keyboard.press("Escape")  # Escape closes it and gives the focus back to the button
    assert toggle.get_attribute("aria-expanded") == "false" and not menu.is_visible()
    assert page.evaluate("document.activeElement.getAttribute('aria-controls')") == "site-menu"

    page.keyboard.press("Enter")  # the keyboard opens it too, and Tab walks into its links
    assert toggle.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#site-menu') !== null")
    dossiers.click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path == "/ho-so/"
    assert page.get_by_role("button", name="Trình đơn").get_attribute("aria-expanded") == "false"

    # the dossier list's search, on the phone: a nominee's name finds their dossier; a bad year is explained
    page.fill("#id_q", "Lê Minh Tâm")
    page.fill("#id_year", "")
    page.click("main form[role=search] button[type=submit]")
    page.wait_for_load_state()
    rows = page.locator("main table tbody tr")
    assert rows.count() >= 1 and "Ninh Kiều" in rows.first.inner_text()
    assert page.input_value("#id_q") == "Lê Minh Tâm"
    page.screenshot(path=str(SHOTS / "phone-dossier-search.png"), full_page=True)
    page.goto(f"{server_url}/ho-so/?year=abc")
    assert page.locator("#id_year_error").inner_text() == "Năm phải là một số, ví dụ 2024."


def test_at_desktop_width_the_menu_is_shown_without_a_button(login):
    page = login("board.officer")
    page.set_viewport_size({"width": 1280, "height": 800})
    assert page.locator("#site-menu").is_visible()
    assert not page.get_by_role("button", name="Trình đơn").is_visible()


def test_a_voting_member_sees_the_ballot_on_the_first_screen(phone, server_url, run_in_server_db):
    session_id = re.search(r"session (\d+)", run_in_server_db(VOTING_SESSION)).group(1)
    page = phone("council.member1")
    page.goto(f"{server_url}/hoi-dong/phien/{session_id}/")
    ballot = page.locator("form.ballot fieldset").first
    assert ballot.is_visible()
    box = ballot.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box
    # before it, only the session's title: the ballot comes first in the page for a member who may vote
    assert page.evaluate("document.querySelector('main h1').nextElementSibling.textContent") == (
        "Chương trình họp và phiếu bầu"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing sideways
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "phone-ballot.png"))


def test_swagger_ui_renders_with_every_other_host_unreachable(login, server_url):
    page = login("board.officer")
    own = urlsplit(server_url).netloc
    elsewhere = []

    def block_other_hosts(route):
        if urlsplit(route.request.url).netloc != own:
            elsewhere.append(route.request.url)
            return route.abort()
        return route.continue_()

    page.route("**/*", block_other_hosts)
    page.goto(f"{server_url}/api/docs/")
    # the operations are listed under their tags, folded (SWAGGER_UI_SETTINGS docExpansion "none": 140 operations
    # unfolded at once left the page half drawn); every tag is there, and opening one shows its operations
    page.locator(".swagger-ui .opblock-tag").first.wait_for(timeout=15000)
    schema = page.evaluate("fetch('/api/schema/?format=json').then(r => r.json())")
    tags = {
        tag for operations in schema["paths"].values() for op in operations.values() for tag in op["tags"]
    }
    assert page.locator(".swagger-ui .opblock-tag").count() == len(tags) > 10
    for tag in ("dossiers", sorted(tags)[-1]):
        page.locator(f".swagger-ui .opblock-tag[data-tag='{tag}']").click()
    page.locator(".swagger-ui .opblock").nth(10).wait_for(timeout=15000)
    assert elsewhere == []
