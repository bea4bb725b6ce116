"""Error pages in the site's layout, in Vietnamese, saying why and linking back; form errors summarised on top."""

import re
from html.parser import HTMLParser

import pytest
from django.template import loader
from django.test import Client, override_settings

from workflows.models import Role

pytestmark = [pytest.mark.django_db, pytest.mark.urls("project.urls")]

NO_UNIT_REASON = "Chỉ cán bộ TĐKT hoặc thủ trưởng đơn vị được lập hồ sơ."  # dossiers/views.py dossier_create


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids, self.summary = [], set(), None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self.links.append(attrs.get("href"))
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if "data-error-summary" in attrs:
            self.summary = attrs


def parse(html) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


@pytest.fixture
def board_officer(person):
    return person("err.board", Role.BOARD_OFFICER)


@override_settings(DEBUG=False)
def test_the_403_page_says_why_in_the_layout_and_links_back(client, board_officer):
    client.force_login(board_officer)
    response = client.get("/ho-so/tao-moi/", HTTP_REFERER="http://testserver/ho-so/")
    assert response.status_code == 403
    html = response.content.decode()
    assert '<html lang="vi"' in html and "<nav" in html and "Đăng xuất" in html  # the app's layout
    assert "Bạn không có quyền thực hiện việc này" in html and "Lý do" in html
    assert NO_UNIT_REASON in html
    links = parse(html).links
    assert "/" in links  # home
    assert "http://testserver/ho-so/" in links  # the referring page on this site


@override_settings(DEBUG=False)
def test_the_403_page_never_links_to_another_site(client, board_officer):
    client.force_login(board_officer)
    for referer in ("https://evil.example/phish", "//evil.example/", "javascript:alert(1)"):
        html = client.get("/ho-so/tao-moi/", HTTP_REFERER=referer).content.decode()
        assert "evil.example" not in html and "javascript:" not in html
        assert "Quay lại trang trước" not in html


@override_settings(DEBUG=False)
def test_a_403_without_a_message_still_says_why(client, person, unit):
    client.force_login(person("err.unit", Role.UNIT_OFFICER, unit=unit))
    html = client.get("/kiem-tra-nhat-ky/").content.decode()
    assert "Chỉ kiểm tra viên và Trưởng Ban TĐKT được kiểm tra nhật ký." in html


@override_settings(DEBUG=False)
def test_the_404_page_says_why_in_the_layout_and_links_back(client, board_officer):
    client.force_login(board_officer)
    response = client.get("/ho-so/99999999/", HTTP_REFERER="http://testserver/ho-so/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<nav" in html and "Việc cần xử lý" in html
    assert "Không tìm thấy trang hoặc đối tượng" in html
    assert "thuộc đơn vị khác" in html  # why: another unit's objects answer 404 too
    assert "Dossier matching query" not in html and "No " not in html  # never the developer's text
    assert {"/", "http://testserver/ho-so/"} <= set(parse(html).links)


@override_settings(DEBUG=False)
def test_the_api_keeps_answering_json(client, board_officer):
    client.force_login(board_officer)
    response = client.get("/api/khong-co-tai-nguyen-nay/")
    # an unknown API address is a problem like any other 4xx of the API (RFC 9457, workflows/problems.py)
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404 and body["code"] == "not_found" and body["detail"] == "Không tìm thấy."


@override_settings(DEBUG=False)
def test_the_400_page_is_vietnamese():
    response = Client().get("/", HTTP_HOST="evil.example")  # not in ALLOWED_HOSTS
    assert response.status_code == 400
    assert "Yêu cầu không hợp lệ" in response.content.decode()


def test_the_500_page_needs_no_request_nor_database():
    html = loader.get_template("500.html").render()
    assert '<html lang="vi"' in html and "Hệ thống gặp lỗi" in html and 'href="/"' in html
    assert "{%" not in loader.get_template("500.html").template.source  # static: nothing that could fail


def test_a_form_with_errors_has_a_summary_linking_each_field(client, person, unit):
    client.force_login(person("err.officer", Role.UNIT_OFFICER, unit=unit))
    response = client.post("/ho-so/tao-moi/", {"unit": unit.pk, "year": "năm nay", "title": ""})
    assert response.status_code == 400  # the form again, with its errors (dossiers/views.py)
    html = response.content.decode()
    page = parse(html)
    assert page.summary is not None
    assert page.summary["role"] == "alert" and page.summary["tabindex"] == "-1"
    summary = html.split("data-error-summary", 1)[1].split("</div>", 1)[0]
    for field, label in (
        ("year", "Năm thành tích"),
        ("occasion", "Loại khen thưởng"),
        ("title", "Trích yếu"),
    ):
        assert re.search(rf'<a href="#id_{field}">{label}</a>', summary), field
        assert f"id_{field}" in page.ids  # the link leads to the field
    assert "id_unit" not in re.findall(r'href="#(id_\w+)"', summary)  # a valid field is not listed
    main = html.split("<main>", 1)[1]
    assert main.index("data-error-summary") < main.index("<h1") < main.index("<form")  # at the top
    assert 'value="năm nay"' in html  # what the user typed is kept
    assert "<script>" not in html  # the focus is moved by static/js/tdkt.js (CSP: no inline script)


def test_a_form_without_errors_has_no_summary(client, person, unit):
    client.force_login(person("err.officer2", Role.UNIT_OFFICER, unit=unit))
    assert "data-error-summary" not in client.get("/ho-so/tao-moi/").content.decode()
