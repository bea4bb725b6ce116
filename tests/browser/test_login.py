import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("username", ["board.officer", "unit.officer", "council.member1", "auditor"])
def test_each_demo_role_logs_in_and_sees_the_inbox(login, server_url, username):
    page = login(username)
    assert page.url == f"{server_url}/"
    assert page.locator("h1").inner_text() == "Việc cần xử lý"


def test_wrong_password_keeps_the_username_and_explains(browser, server_url):
    page = browser.new_context(locale="vi-VN").new_page()
    page.goto(f"{server_url}/dang-nhap/")
    page.fill("#id_username", "board.officer")
    page.fill("#id_password", "sai-mat-khau")
    page.click("main button[type=submit]")
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in page.content()
    assert page.input_value("#id_username") == "board.officer"
    page.close()


def test_auditor_verifies_the_chain(login, server_url):
    page = login("auditor")
    page.goto(f"{server_url}/kiem-tra-nhat-ky/")
    page.click("main button[type=submit]")
    assert "Nhật ký toàn vẹn." in page.content()
