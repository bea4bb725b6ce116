"""In the browser: the secretary runs the demo session, members vote from their own logins, the chair signs,
the PDFs come out. Run with `pytest -m browser tests/councils`."""

import re

import pytest

pytestmark = pytest.mark.browser

VOTERS = ["council.member1", "council.member2", "council.member3", "board.head", "chairman"]


def _transition(page, server_url, session_id, name, fields=None):
    page.goto(f"{server_url}/thao-tac/councils/session/{session_id}/{name}/")
    for selector, value in (fields or {}).items():
        page.fill(selector, value)
    page.click("main form.card button[type=submit]")
    page.wait_for_load_state()
    return page.content()


def test_demo_session_from_separate_logins(login, server_url):
    secretary = login("council.secretary")
    secretary.goto(f"{server_url}/hoi-dong/")
    secretary.click("text=phiên trình diễn")
    session_id = re.search(r"/hoi-dong/phien/(\d+)/", secretary.url).group(1)
    planned_on = secretary.locator("main .card strong").first.inner_text()
    day, month, year = planned_on.split("/")
    assert "Đã thực hiện «Triệu tập»" in _transition(
        secretary, server_url, session_id, "convene", {"#id_planned_on": f"{day}/{month}/{year}"}
    )
    assert "Đã thực hiện «Chốt chương trình họp»" in _transition(
        secretary, server_url, session_id, "lock_agenda"
    )
    secretary.goto(f"{server_url}/hoi-dong/phien/{session_id}/")
    roster = secretary.locator("form[action$='/diem-danh/']")
    assert roster.count() == 1  # one form for the whole roster, one save
    radios = roster.locator("input[type=radio][value=present]")
    for index in range(14):  # 14 of 21 present: exactly 2/3
        radios.nth(index).check()
    secretary.locator("#diem-danh").screenshot(path="/tmp/i14-roster.png")
    roster.locator("button:has-text('Lưu điểm danh')").click()
    secretary.wait_for_load_state()
    assert "Đã lưu điểm danh: 14 thành viên thay đổi." in secretary.content()
    assert "14/21 thành viên có mặt ≥ 2/3" in secretary.content()
    chairman = login("chairman")
    assert "Đã thực hiện «Khai mạc phiên họp»" in _transition(chairman, server_url, session_id, "open")
    assert "Đã thực hiện «Mở bỏ phiếu»" in _transition(secretary, server_url, session_id, "open_voting")
    voted = 0
    for username in VOTERS:
        page = chairman if username == "chairman" else login(username)
        page.goto(f"{server_url}/hoi-dong/phien/{session_id}/")
        if "Phiếu bầu kín" not in page.content():
            continue  # not marked present in the 14
        for radio in page.locator("input[type=radio][value=agree]").all():
            radio.check()
        page.click("main button:has-text('Gửi phiếu bầu')")
        page.wait_for_load_state()
        assert "phiếu bầu kín của bạn" in page.content()
        voted += 1
    assert voted >= 1
    secretary.goto(f"{server_url}/hoi-dong/phien/{session_id}/")
    assert f'data-field="received">{voted}</td>' in secretary.content()
    secretary.click("text=Kết thúc bỏ phiếu và kiểm phiếu")
    secretary.wait_for_load_state()
    consequence = secretary.locator("#hau-qua").inner_text()
    assert "thành viên có mặt chưa bỏ phiếu" in consequence, consequence
    assert f"{voted}/21 đồng ý" not in secretary.content()  # nothing counted before the confirmation
    secretary.screenshot(path="/tmp/i14-close-voting-confirm.png", full_page=True)
    secretary.click("button:has-text('Xác nhận kết thúc bỏ phiếu')")
    secretary.wait_for_load_state()
    assert f"{voted}/21 đồng ý" in secretary.content()
    assert "Đã thực hiện «Lập biên bản»" in _transition(
        secretary, server_url, session_id, "draft_minutes", {"#id_minutes_number": "01/BB-HĐTĐKT"}
    )
    assert "Đã thực hiện «Ký biên bản»" in _transition(chairman, server_url, session_id, "sign_minutes")
    # issuing the result is irreversible: the form leads to a page stating what it does, then it is issued
    page = _transition(
        chairman,
        server_url,
        session_id,
        "issue_resolution",
        {"#id_resolution_number": "05/TTr-HĐTĐKT", "#id_resolution_issued_on": planned_on},
    )
    assert "Xác nhận «Ban hành kết quả»?" in page
    consequence = chairman.locator("#hau-qua").inner_text()
    assert (
        f"Văn bản số 05/TTr-HĐTĐKT, ngày {planned_on}." in consequence and "không thể hoàn tác" in consequence
    )
    chairman.screenshot(path="/tmp/i14-resolution-confirm.png", full_page=True)
    chairman.click("main button:has-text('Xác nhận «Ban hành kết quả»')")
    chairman.wait_for_load_state()
    assert "Đã thực hiện «Ban hành kết quả»" in chairman.content()
    for name in ("bien-ban-hop.pdf", "bien-ban-kiem-phieu.pdf"):
        response = secretary.request.get(f"{server_url}/hoi-dong/phien/{session_id}/{name}")
        assert response.status == 200 and response.body().startswith(b"%PDF")
