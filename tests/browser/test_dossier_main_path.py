"""The main path of an award dossier in the browser: the unit completes and submits it, the Board accepts and
appraises it and puts it on a council session, the council votes (through the councils services), the Board
posts it, the chairman approves, and the award lands in the register."""

import re
from datetime import date

import pytest

from tests.pdfs import pdf_bytes

pytestmark = pytest.mark.browser

TITLE = "Đề nghị Bằng khen cho cá nhân có thành tích năm 2023 (đang soạn)"
PDF = pdf_bytes(b"tai lieu")

COUNCIL_VOTE = """
from datetime import date
from django.contrib.auth import get_user_model
from councils import selectors, services
from councils.models import Session
from workflows import engine
users = get_user_model().objects
session = Session.objects.get(pk=SESSION_ID)
secretary, chair = users.get(username="council.secretary"), users.get(username="chairman")
engine.perform(session, "convene", user=secretary, data={"planned_on": session.planned_on.isoformat(),
                                                         "place": "Hội trường UBND thành phố"})
engine.perform(session, "lock_agenda", user=secretary)
members = selectors.members(session)
for member in members:
    services.attendance_record(session=session, member=member, status="present", actor=secretary)
engine.perform(session, "open", user=chair)
engine.perform(session, "open_voting", user=secretary, data={"voting_mode": "all_items"})
items = list(session.items.all())
for member in members:
    choices = {item.pk: "agree" for item in items if not selectors.recusal_reason(item, member)}
    services.ballot_sheet_cast(session=session, choices=choices, actor=member)
services.session_close_voting(session=session, user=secretary)
engine.perform(session, "draft_minutes", user=secretary, data={"minutes_number": "01/BB-HĐTĐKT"})
engine.perform(session, "sign_minutes", user=chair)
engine.perform(session, "issue_resolution", user=chair, data={"resolution_number": "05/TTr-HĐTĐKT",
                                                               "resolution_issued_on": session.planned_on.isoformat()})
print("resolution issued")
"""


IMPORT_HISTORY = """
from datetime import date
from dossiers.models import AwardRecord, AwardType, Nominee
nominee = Nominee.objects.get(full_name="Lê Minh Tâm")
grassroots = AwardType.objects.effective_on(date.today()).get(code="cstdcs")
for year in (2022, 2023):
    AwardRecord.objects.get_or_create(nominee=nominee, award=grassroots, year=year, defaults={
        "authority": "Chủ tịch UBND quận Ninh Kiều", "decision_number": f"{year}/QĐ-UBND",
        "decision_date": date(year, 12, 20)})
print("history imported")
"""


NEW_SESSION = """
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from councils import services
from organisations.models import CouncilTerm
term = CouncilTerm.objects.get(council__code="hd-tdkt-tp")
session = services.session_create(council_term=term, title="Phiên họp xét khen thưởng (kiểm thử trình duyệt)",
                                  planned_on=timezone.localdate() + timedelta(days=7),
                                  actor=get_user_model().objects.get(username="board.officer"))
print(f"session {session.pk}")
"""


END_POSTING = """
from datetime import date, timedelta
from dossiers.models import Dossier
Dossier.objects.filter(title="TITLE").update(posted_until=date.today() - timedelta(days=1))
print("posting ended")
"""


def open_dossier(page, server_url):
    page.goto(f"{server_url}/ho-so/")
    page.click(f"text={TITLE}")
    page.wait_for_load_state()
    return page.url


def act(page, label, fields=None):
    """Click a transition button on the current page, fill its form, confirm."""
    page.click(f"main a.button:has-text('{label}')")
    for name, value in (fields or {}).items():
        page.fill(f"[name={name}]", value)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    refused = page.locator("main .errorlist, main .messages .error")
    assert refused.count() == 0, f"{label}: {refused.all_inner_texts()}"


def state(page):
    return page.inner_text("#dossier-state")


def test_unit_to_chairman(login, server_url, run_in_server_db, tmp_path):
    # the nominee's earlier awards, imported into the register (2 consecutive CSTĐCS: eligible for Bằng khen)
    assert "history imported" in run_in_server_db(IMPORT_HISTORY)
    officer = login("unit.officer")
    detail = open_dossier(officer, server_url)
    document = tmp_path / "tai-lieu.pdf"
    document.write_bytes(PDF)
    line_id = officer.locator("select[name=upload-line] option").nth(1).get_attribute("value")
    for kind, line in [
        ("submission_letter", ""),
        ("unit_council_minutes", ""),
        ("achievement_report", line_id),
    ]:
        officer.select_option("select[name=upload-kind]", kind)
        officer.select_option("select[name=upload-line]", line)
        officer.set_input_files("input[name=upload-file]", str(document))
        officer.click("main button[name=upload]")
        officer.wait_for_load_state()
    assert "Thành phần hồ sơ còn thiếu" not in officer.content()

    head = login("unit.head")
    head.goto(detail)
    act(head, "Trình hồ sơ", {"comment": "Kính trình Ban TĐKT thành phố."})
    assert state(head) == "Đã trình"

    board = login("board.officer")
    board.goto(detail)
    act(board, "Tiếp nhận")
    assert state(board) == "Ban TĐKT đã tiếp nhận"
    board.click("main a.button:has-text('Màn hình thẩm định')")
    board.fill("textarea[name=opinion]", "Đủ tiêu chuẩn theo Điều 74 Luật TĐKT.")
    board.click("main button[value=propose]")
    board.wait_for_load_state()

    board_head = login("board.head")
    board_head.goto(detail)
    act(board_head, "Ký duyệt thẩm định")
    assert state(board_head) == "Đã thẩm định"

    # a session of its own, so the other browser tests keep the demo session as seeded
    session_id = run_in_server_db(NEW_SESSION).split("session ")[-1].strip()
    board.goto(detail)
    board.click("main a.button:has-text('Đưa ra hội đồng')")
    board.select_option("select[name=session]", session_id)
    board.click("main form button[type=submit]")
    board.wait_for_load_state()
    assert state(board) == "Đưa ra hội đồng"

    output = run_in_server_db(COUNCIL_VOTE.replace("SESSION_ID", session_id))
    assert "resolution issued" in output
    board.goto(detail)
    assert state(board) == "Hội đồng đã xét"
    act(board, "Công khai", {"working_days": "10"})
    assert state(board) == "Đang công khai"
    # no decision while the posting runs (issue 14 item 6): let the period pass
    assert "posting ended" in run_in_server_db(END_POSTING.replace("TITLE", TITLE))

    chairman = login("chairman")
    chairman.goto(detail)
    chairman.click("main a.button:has-text('Quyết định khen thưởng')")
    chairman.check("input[value=approve]")
    chairman.fill("#decision_number", "125/QĐ-UBND")
    chairman.fill("#decision_date", date.today().strftime("%d/%m/%Y"))
    chairman.click("main form button[type=submit]")
    chairman.wait_for_load_state()
    assert (
        "Khen thưởng 1 đối tượng" in chairman.locator("#hau-qua").inner_text()
    )  # irreversible: confirm first
    chairman.click("main button:has-text('Xác nhận ban hành quyết định')")
    chairman.wait_for_load_state()
    assert state(chairman) == "Đã có quyết định"
    assert "125/QĐ-UBND" in chairman.content()

    auditor = login("auditor")
    auditor.goto(re.sub(r"/ho-so/(\d+)/.*", r"/lich-su/dossiers/dossier/\1/", detail))
    timeline = auditor.content()
    for verb in ["submit", "accept", "sign_off", "schedule", "record_council_results", "post", "decide"]:
        assert verb in timeline, verb
