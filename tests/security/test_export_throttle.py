"""Exports and generated PDFs are rate-limited per user (issue 12, item 16): DJANGO_EXPORT_RATE (default
60/hour) counts the web views and the API together (scope "exports", workflows/throttle.py); the next one is
refused 429 with a Vietnamese message (a page on the web, JSON on the API) and a Retry-After header."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from dossiers.models import Dossier
from tests.factories import UnitFactory, UserFactory
from workflows import throttle
from workflows.models import Role

pytestmark = pytest.mark.django_db

REFUSED = "Bạn đã tải quá nhiều tệp xuất"

#: Every web view that generates an export or a PDF (URL name, kwargs); the throttle answers before the object
#: is looked up, so the ids need not exist.
WEB_EXPORTS = [
    ("dossiers:awardees_excel", {"pk": 999_999}),
    ("dossiers:decision_pdf", {"pk": 999_999}),
    ("dossiers:proposal_pdf", {"pk": 999_999}),
    ("councils:minutes_pdf", {"pk": 999_999}),
    ("councils:tally_pdf", {"pk": 999_999}),
    ("innovation:round_results_excel", {"pk": 999_999}),
    ("innovation:import_template", {}),
    ("innovation:certificate_download", {"pk": 999_999, "author_pk": 999_999}),
    ("plan:export", {"year": 2023}),
]
#: Every API operation that generates an export or a PDF.
API_EXPORTS = [
    "/api/rounds/999999/results-xlsx/",
    "/api/initiatives/999999/certificates/999999/",
]


@pytest.fixture
def rate(settings):
    """Set the "exports" rate for the test (DRF re-reads REST_FRAMEWORK when it changes)."""

    def _rate(value):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "exports": value},
        }

    return _rate


@pytest.fixture
def board(person):
    return person("board.exports", Role.BOARD_OFFICER)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def exhaust(user, times):
    for _ in range(times):
        assert throttle.hit(throttle.EXPORTS, f"user:{user.pk}", throttle.rate_for(throttle.EXPORTS)).allowed


def test_the_61st_export_within_the_hour_is_refused_by_default(board):
    assert throttle.rate_for(throttle.EXPORTS) == "60/hour"
    client = signed_in(board)
    url = reverse("innovation:import_template")
    exhaust(board, 59)
    assert client.get(url).status_code == 200  # the 60th
    refused = client.get(url)  # the 61st
    assert refused.status_code == 429
    assert REFUSED in refused.content.decode() and int(refused["Retry-After"]) > 0
    # Another user has their own count.
    assert signed_in(UserFactory(username="board.exports.other")).get(url).status_code == 200


def test_web_and_api_share_one_count(board, api, rate):
    rate("3/hour")
    client = signed_in(board)
    template = reverse("innovation:import_template")
    assert client.get(template).status_code == 200
    assert client.get(template).status_code == 200
    assert api(board).get(API_EXPORTS[0]).status_code == 404  # counted (the round does not exist)
    web = client.get(template)
    assert web.status_code == 429 and REFUSED in web.content.decode()
    refused = api(board).get(API_EXPORTS[0])
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith(("application/json", "application/problem+json"))
    assert REFUSED in refused.json()["detail"] and "Expected available" not in refused.json()["detail"]
    assert int(refused["Retry-After"]) > 0


@pytest.mark.parametrize(("name", "kwargs"), WEB_EXPORTS)
def test_every_web_export_is_throttled(board, rate, name, kwargs):
    rate("2/hour")
    exhaust(board, 2)
    response = signed_in(board).get(reverse(name, kwargs=kwargs))
    assert response.status_code == 429, name
    assert REFUSED in response.content.decode()


@pytest.mark.parametrize("url", API_EXPORTS)
def test_every_api_export_is_throttled(board, api, rate, url):
    rate("2/hour")
    exhaust(board, 2)
    response = api(board).get(url)
    assert response.status_code == 429 and REFUSED in response.json()["detail"]


def test_the_history_export_is_throttled_but_not_the_history_page(board, rate):
    unit = UnitFactory(name="Quận Cái Răng")
    dossier = Dossier.objects.create(
        unit=unit, year=2023, title="Hồ sơ đề nghị khen thưởng", created_by=board
    )
    rate("1/hour")
    client = signed_in(board)
    url = reverse("history", args=["dossiers", "dossier", dossier.pk])
    assert client.get(url, {"format": "csv"}).status_code == 200
    assert client.get(url, {"format": "json"}).status_code == 429
    assert client.get(url).status_code == 200  # reading the timeline is no export
    assert Dossier.objects.count() == 1


def test_other_api_views_are_not_throttled(board, api, rate):
    rate("1/hour")
    exhaust(board, 1)
    assert api(board).get("/api/dossiers/").status_code == 200
    assert api(board).get("/api/rounds/").status_code == 200


def test_a_visitor_not_signed_in_is_sent_to_sign_in_first(rate, settings):
    rate("1/hour")
    for _ in range(3):
        response = Client().get(reverse("innovation:import_template"))
        assert response.status_code == 302 and response["Location"].startswith(reverse(settings.LOGIN_URL))
