"""Every query parameter of the API is validated: a wrong type, a huge number, a value outside the choices
answers 400 JSON naming the parameter in Vietnamese, never 500; a valid value still works; the schema
documents each one. Web list pages that read the query string do not 500 on hostile values either."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from dossiers.models import AwardType
from tests.factories import NomineeFactory
from workflows.models import Role

HOSTILE = ["abc", "99999999999999999999999", "-1", "", "../", "<script>", "1.5", "0x10", "\u0661\u0662"]

#: (path template, parameter, a valid value): every query parameter an API view reads.
PARAMETERS = [
    ("/api/awards/", "effective", "2024-06-01"),
    ("/api/awards/{award}/eligibility/{nominee}/", "year", "2024"),
    ("/api/initiatives/", "round", "1"),
    ("/api/activities/", "year", "2024"),
    ("/api/activities/", "unit", "ninh-kieu"),
    ("/api/activities/", "kind", "conference"),
    ("/api/activities/", "state", "planned"),
    ("/api/activities/", "quarter", "2"),
    ("/api/dossiers/", "q", "Nguyễn"),
    ("/api/dossiers/", "unit", "1"),
    ("/api/dossiers/", "award", "bk-tp"),
    ("/api/dossiers/", "year", "2024"),
    ("/api/dossiers/", "state", "draft"),
]


@pytest.fixture
def board_client(person, unit):
    user = person("query.board", Role.BOARD_OFFICER)
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


@pytest.fixture
def paths(unit):
    award = AwardType.objects.order_by("pk").first()
    nominee = NomineeFactory(unit=unit)
    return {"award": award.pk, "nominee": nominee.pk}


@pytest.mark.django_db
@pytest.mark.parametrize("path,name,valid", PARAMETERS, ids=[f"{p}?{n}" for p, n, _ in PARAMETERS])
@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_a_hostile_value_answers_400_json_or_a_valid_answer_never_500(
    board_client, paths, path, name, valid, value
):
    response = board_client.get(path.format(**paths), {name: value})
    assert response.status_code in (200, 400), response.content[:300]
    assert "json" in response["Content-Type"]
    if response.status_code == 400:
        errors = response.json()["errors"]  # RFC 9457 problem details: the field errors under "errors"
        assert name in errors, errors
        assert all(isinstance(message, str) and message for message in errors[name])


@pytest.mark.django_db
@pytest.mark.parametrize("path,name,valid", PARAMETERS, ids=[f"{p}?{n}" for p, n, _ in PARAMETERS])
def test_a_valid_value_is_accepted(board_client, paths, path, name, valid):
    assert board_client.get(path.format(**paths), {name: valid}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path,name,value,message",
    [
        ("/api/awards/{award}/eligibility/{nominee}/", "year", "abc", "Phải là số nguyên."),
        ("/api/awards/{award}/eligibility/{nominee}/", "year", "99999999999999999999999", "Phải nhỏ hơn"),
        ("/api/initiatives/", "round", "99999999999999999999999", "Phải nhỏ hơn"),
        ("/api/initiatives/", "round", "-1", "Phải lớn hơn"),
        ("/api/awards/", "effective", "2024-13-45", "Ngày không hợp lệ"),
        ("/api/activities/", "kind", "<script>", "không phải là lựa chọn hợp lệ"),
        ("/api/activities/", "quarter", "5", "Phải nhỏ hơn hoặc bằng 4"),
        ("/api/activities/", "unit", "x" * 51, "Không được dài quá 50 ký tự"),
    ],
)
def test_the_message_is_vietnamese_and_names_the_parameter(board_client, paths, path, name, value, message):
    response = board_client.get(path.format(**paths), {name: value})
    assert response.status_code == 400
    assert message in " ".join(response.json()["errors"][name])


@pytest.mark.django_db
def test_an_empty_value_counts_as_absent(board_client, paths):
    response = board_client.get(f"/api/awards/{paths['award']}/eligibility/{paths['nominee']}/", {"year": ""})
    assert response.status_code == 200 and response.json()["year"] >= 2024


@pytest.mark.django_db
@pytest.mark.parametrize("nominee", ["99999999999999999999999", "9223372036854775808"])
def test_a_huge_id_in_the_path_is_404_json(board_client, paths, nominee):
    response = board_client.get(f"/api/awards/{paths['award']}/eligibility/{nominee}/")
    assert response.status_code == 404 and "json" in response["Content-Type"]
    response = board_client.get(f"/api/dossiers/{nominee}/")
    assert response.status_code == 404 and "json" in response["Content-Type"]


@pytest.mark.django_db
@pytest.mark.parametrize("value", HOSTILE + ["zz", "vi'--"], ids=repr)
def test_the_schema_endpoint_survives_hostile_parameters(board_client, value):
    for name in ("lang", "version", "format"):
        assert board_client.get("/api/schema/", {name: value}).status_code < 500


def test_the_schema_documents_every_parameter():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, name, _valid in PARAMETERS:
        template = path.replace("{award}", "{id}").replace("{nominee}", "{nominee_id}")
        template = template.replace("/api/", "/api/v1/", 1)  # the schema documents /api/v1/ only
        operation = schema["paths"][template]["get"]
        documented = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
        assert name in documented, f"{path}: ?{name} is not in the schema"


# -- web pages that read the query string ------------------------------------------------------------------

WEB_PAGES = [
    ("home", {}, ["limit"]),
    ("dossiers:list", {}, ["q", "unit", "award", "year", "state", "per_page", "page"]),
    ("dossiers:register", {}, ["q", "unit", "year", "award", "unit_view"]),
    ("dossiers:register_excel", {}, ["q", "unit", "year", "award", "unit_view"]),
    ("plan:dashboard", {"year": 2023}, ["kind", "state", "unit"]),
]


@pytest.mark.django_db
@pytest.mark.parametrize("name,kwargs,params", WEB_PAGES, ids=[page[0] for page in WEB_PAGES])
def test_web_list_pages_do_not_500_on_hostile_filters(person, name, kwargs, params):
    from plan.importer import import_plan

    if name.startswith("plan:"):
        import_plan("plan/data/plan_2023.yaml")
    client = Client(raise_request_exception=False)
    client.force_login(person("query.web", Role.BOARD_OFFICER))
    url = reverse(name, kwargs=kwargs)
    assert client.get(url).status_code == 200
    for param in params:
        for value in HOSTILE:
            response = client.get(url, {param: value})
            assert response.status_code < 500, f"{url}?{param}={value!r} → {response.status_code}"
