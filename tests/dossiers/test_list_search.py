"""The dossier list (web and API): text search over the nominee's name, the title and the numbers; filters by
unit, award, year and state; a value that is not valid is explained next to its field (web) or answers 400
JSON (API), never 500; a unit finds only its own dossiers whatever it asks."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from dossiers import services
from dossiers.models import Dossier, DossierState
from tests.factories import NomineeFactory

from .helpers import award

pytestmark = pytest.mark.django_db

URL = reverse("dossiers:list")


def make(cast, *, unit=None, title, year=2024, nominees=(), code="bk-tp", **fields):
    """A dossier of `unit` with one line per nominee name; `fields` (state, decision_number…) set as given."""
    unit = unit or cast.unit
    officer = cast.officer if unit == cast.unit else cast.officer2
    dossier = services.dossier_create(unit=unit, year=year, occasion="annual", title=title, user=officer)
    for name in nominees:
        services.line_add(
            dossier=dossier,
            nominee=NomineeFactory(unit=unit, full_name=name),
            award=award(code, year),  # the award as the rules for the dossier's year have it
            achievement_report="Hoàn thành xuất sắc nhiệm vụ được giao.",
            user=officer,
        )
    if fields:
        Dossier.objects.filter(pk=dossier.pk).update(**fields)
    return dossier


@pytest.fixture
def world(cast):
    return {
        "mai": make(cast, title="Đề nghị Bằng khen Phòng Nội vụ", nominees=["Trần Thị Mai", "Võ Văn Kiệt"]),
        "decided": make(
            cast,
            title="Đề nghị khen thưởng đột xuất",
            year=2022,
            nominees=["Ngô Bảo Châu"],
            code="cstd-tp",
            state=DossierState.DECIDED,
            decision_number="15/QĐ-UBND",
        ),
        "other": make(cast, unit=cast.other_unit, title="Đề nghị của đơn vị bạn", nominees=["Lê Văn Hùng"]),
    }


def titles(response) -> set[str]:
    assert response.status_code == 200
    return {dossier.title for dossier in response.context["dossiers"]}


def test_search_finds_by_nominee_title_and_number(client, cast, world):
    client.force_login(cast.board)
    assert titles(client.get(URL, {"q": "thị mai"})) == {world["mai"].title}
    assert titles(client.get(URL, {"q": "kiệt"})) == {world["mai"].title}  # a second nominee, listed once
    assert titles(client.get(URL, {"q": "phòng nội"})) == {world["mai"].title}
    assert titles(client.get(URL, {"q": "15/QĐ"})) == {world["decided"].title}
    assert titles(client.get(URL, {"q": f"#{world['other'].pk}"})) == {world["other"].title}
    assert titles(client.get(URL, {"q": "  "})) == {d.title for d in world.values()}  # blank: everything
    empty = client.get(URL, {"q": "không ai tên này"})
    assert titles(empty) == set() and "Không có hồ sơ nào khớp với điều kiện tìm." in empty.content.decode()


def test_filters_by_unit_award_year_and_state_together(client, cast, world):
    client.force_login(cast.board)
    assert titles(client.get(URL, {"unit": cast.other_unit.pk})) == {world["other"].title}
    assert titles(client.get(URL, {"award": "cstd-tp"})) == {world["decided"].title}
    assert titles(client.get(URL, {"year": 2024})) == {world["mai"].title, world["other"].title}
    assert titles(client.get(URL, {"state": "decided"})) == {world["decided"].title}
    both = client.get(URL, {"year": 2024, "unit": cast.unit.pk, "award": "bk-tp", "state": "draft"})
    assert titles(both) == {world["mai"].title}
    page = both.content.decode()
    assert 'name="year" value="2024"' in page and f'<option value="{cast.unit.pk}" selected>' in page


def test_a_bad_value_is_explained_next_to_its_field_and_the_other_filters_still_apply(client, cast, world):
    client.force_login(cast.board)
    response = client.get(URL, {"year": "abc", "q": "Mai", "state": "nope", "award": "<script>"})
    assert titles(response) == {world["mai"].title}  # the search applies, the bad filters are left out
    page = response.content.decode()
    assert "Năm phải là một số, ví dụ 2024." in page and 'id="id_year_error"' in page
    assert 'aria-describedby="id_year_error"' in page and 'aria-invalid="true"' in page
    assert "Không có trạng thái này." in page and "Không có danh hiệu, hình thức này trong danh sách." in page
    assert "<script>" not in page
    for value in ("1800", "99999999999999999999999", "-1", "1.5"):
        assert client.get(URL, {"year": value}).status_code == 200, value
    long = client.get(URL, {"q": "x" * 5000})
    assert long.status_code == 200 and "Không được dài quá 100 ký tự." in long.content.decode()


def test_a_unit_searches_only_its_own_dossiers(client, cast, world):
    client.force_login(cast.officer)
    assert titles(client.get(URL, {"q": "Hùng"})) == set()
    assert titles(client.get(URL, {"q": str(world["other"].pk)})) == set()
    response = client.get(URL, {"unit": cast.other_unit.pk})
    assert titles(response) == {world["mai"].title, world["decided"].title}
    assert "Không có đơn vị này trong danh sách." in response.content.decode()
    assert cast.other_unit.name not in response.content.decode()  # not even offered


def test_pagination_keeps_the_search_and_filters(client, cast):
    for index in range(30):
        make(cast, title=f"Hồ sơ tìm thấy số {index}")
    make(cast, title="Hồ sơ khác")
    client.force_login(cast.board)
    first = client.get(URL, {"q": "tìm thấy", "year": 2024, "per_page": 25})
    assert len(first.context["dossiers"]) == 25 and first.context["page"].paginator.count == 30
    assert "?q=t%C3%ACm+th%E1%BA%A5y&amp;year=2024&amp;per_page=25&amp;page=2" in first.content.decode()
    second = client.get(URL, {"q": "tìm thấy", "year": 2024, "per_page": 25, "page": 2})
    assert len(second.context["dossiers"]) == 5 and "Hồ sơ khác" not in titles(second)


def test_the_list_runs_the_same_queries_for_5_rows_as_for_50(client, cast):
    client.force_login(cast.board)
    params = {"q": "hồ sơ", "award": "bk-tp", "year": 2024, "state": "draft", "unit": cast.unit.pk}

    def count(rows):
        while Dossier.objects.count() < rows:
            make(cast, title=f"Hồ sơ số {Dossier.objects.count()}", nominees=["Đinh Văn A"])
        client.get(URL, params)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL, params)
        assert len(response.context["dossiers"]) == rows
        return len(captured.captured_queries)

    assert count(5) == count(50)


# -- the API list -----------------------------------------------------------------------------------------


def api_ids(client, **params) -> set[int]:
    response = client.get("/api/dossiers/", params)
    assert response.status_code == 200, response.content[:300]
    return {row["id"] for row in response.json()["results"]}


def test_the_api_list_takes_the_same_search_and_filters(cast, world):
    client = APIClient()
    client.force_authenticate(cast.board)
    assert api_ids(client, q="Mai") == {world["mai"].pk}
    assert api_ids(client, q="15/QĐ") == {world["decided"].pk}
    assert api_ids(client, unit=cast.other_unit.pk) == {world["other"].pk}
    assert api_ids(client, award="cstd-tp", year=2022, state="decided") == {world["decided"].pk}
    assert api_ids(client, award="no-such-award") == set()
    own = APIClient()
    own.force_authenticate(cast.officer)
    assert api_ids(own, q="Hùng") == set() and api_ids(own, unit=cast.other_unit.pk) == set()


@pytest.mark.parametrize(
    "name,value",
    [
        ("year", "abc"),
        ("year", "1800"),
        ("state", "nope"),
        ("unit", "9" * 25),
        ("unit", "x"),
        ("q", "x" * 101),
    ],
)
def test_the_api_list_answers_400_json_on_a_bad_value(cast, name, value):
    client = APIClient()
    client.force_authenticate(cast.board)
    response = client.get("/api/dossiers/", {name: value})
    assert response.status_code == 400 and name in response.json()["errors"]
