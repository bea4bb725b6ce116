"""Issue 18, "Reading what a client needs" (innovation): each author of an initiative has an id in the API, the id
that names them in certificates/<id>/."""

import pytest

from .helpers import make_cast, open_round, submit

pytestmark = pytest.mark.django_db


def test_each_author_has_an_id(api, person):
    cast = make_cast(person)
    initiative = submit(cast, open_round(cast))
    body = api(cast.officer).get(f"/api/v1/initiatives/{initiative.pk}/").json()
    expected = list(initiative.authors.order_by("pk").values_list("pk", "full_name"))
    assert sorted((row["id"], row["full_name"]) for row in body["authors"]) == expected
    listed = api(cast.officer).get("/api/v1/initiatives/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    [row] = [row for row in rows if row["id"] == initiative.pk]
    assert sorted(author["id"] for author in row["authors"]) == [pk for pk, _name in expected]


def test_an_author_id_sent_in_is_ignored(api, person):
    """The id is read-only: a submission naming one gets the server's own."""
    cast = make_cast(person)
    round_ = open_round(cast)
    payload = {
        "round": round_.pk,
        "title": "Ứng dụng bản đồ số quản lý cây xanh",
        "unit": cast.unit.pk,
        "field": "economy",
        "summary": "Quản lý cây xanh đô thị trên bản đồ số.",
        "problem": "Hồ sơ cây xanh lưu giấy, khó tra cứu.",
        "solution": "Số hóa và cập nhật trực tuyến.",
        "first_applied_on": "2022-03-01",
        "benefits": "Giảm thời gian tra cứu.",
        "requested_scope": "city",
        "lower_recognition": "",
        "authors": [{"id": 987654, "full_name": "Lê Thị Mai", "unit": cast.unit.pk, "share": "100"}],
    }
    created = api(cast.officer).post("/api/v1/initiatives/", payload, format="json")
    assert created.status_code == 201, created.content
    [author] = created.json()["authors"]
    assert author["id"] != 987654
    from innovation.models import Author

    assert Author.objects.get(pk=author["id"]).full_name == "Lê Thị Mai"


def test_the_schema_documents_the_author_id_as_read_only():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    author = schema["components"]["schemas"]["Author"]["properties"]["id"]
    assert author.get("readOnly") is True and author["type"] == "integer"
