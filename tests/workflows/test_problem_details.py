"""One error shape (RFC 9457 problem details) for every 4xx of the API, and transitions that describe their input.

docs/api.md: 401 credentials, 403 role (checked before state), 404 unknown object or transition, 409 wrong
state, 400 invalid input with `errors` per field; Vietnamese unless the client asks for English.
"""

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.testapp.models import Widget
from workflows.models import Role

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.testapp.urls")]

PROBLEM = "application/problem+json"


@pytest.fixture
def widget(unit):
    return Widget.objects.create(title="Hồ sơ P", unit=unit)


def url(widget, suffix=""):
    return f"/api/test/widgets/{widget.pk}/{suffix}"


def assert_problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["code"] == code
    assert body["type"] == "https://tdkt.example/errors/" + code.replace("_", "-")
    assert body["title"] and body["detail"]
    return body


def test_missing_and_bad_credentials_are_401_problems(widget):
    anonymous = APIClient().get(url(widget, "transitions/"))
    body = assert_problem(anonymous, 401, "not_authenticated")
    assert anonymous["WWW-Authenticate"].startswith("Token")
    assert "Chưa đăng nhập" in body["detail"] and "errors" not in body
    bad = APIClient(HTTP_AUTHORIZATION="Token not-a-key").get(url(widget, "transitions/"))
    assert bad.status_code == 401 and bad["Content-Type"].startswith(PROBLEM)
    assert bad.json()["status"] == 401 and bad.json()["code"]


def test_a_role_that_may_not_act_is_403_whatever_the_state(api, widget, unit, person):
    officer = person("officer", Role.UNIT_OFFICER, unit=unit)
    body = assert_problem(api(officer).post(url(widget, "transitions/approve/")), 403, "permission_denied")
    # approve is not possible from the draft either, but the unit officer learns only that it is not their job
    assert "Trưởng Ban TĐKT" in body["detail"] and "Dự thảo" not in body["detail"]


def test_the_wrong_state_is_409_for_whoever_holds_the_role(api, widget, person):
    board_head = person("boss", Role.BOARD_HEAD)
    body = assert_problem(
        api(board_head).post(url(widget, "transitions/approve/"), {"score": 1}, format="json"),
        409,
        "transition_not_allowed",
    )
    assert "Dự thảo" in body["detail"]


def test_an_unknown_transition_and_an_unknown_object_are_404(api, widget, person):
    board_head = person("boss", Role.BOARD_HEAD)
    body = assert_problem(
        api(board_head).post(url(widget, "transitions/fly_away/")), 404, "transition_not_found"
    )
    assert "fly_away" in body["detail"]
    missing = api(board_head).get("/api/test/widgets/999999/transitions/")
    assert assert_problem(missing, 404, "not_found")["detail"] == "Không tìm thấy."


def test_invalid_input_is_400_with_errors_per_field(api, widget, unit, person):
    api(person("head", Role.UNIT_HEAD, unit=unit)).post(url(widget, "transitions/submit/"))
    officer = person("board", Role.BOARD_OFFICER)
    response = api(officer).post(
        url(widget, "transitions/return_for_supplement/"), {"deadline": "31/02/2026"}, format="json"
    )
    body = assert_problem(response, 400, "invalid")
    assert set(body["errors"]) == {"deadline", "comment"}
    assert all(isinstance(messages, list) and messages for messages in body["errors"].values())
    assert body["detail"] in [message for messages in body["errors"].values() for message in messages]
    assert "deadline" not in body  # one shape: field errors only under `errors`


def test_drf_validation_messages_come_out_in_vietnamese(api, person):
    board_head = person("boardhead", Role.BOARD_HEAD)
    newcomer = UserFactory(username="newcomer")
    response = api(board_head).post(
        "/api/memberships/",
        {"user": 987654, "role": Role.UNIT_OFFICER, "unit": "x" * 3},
        format="json",
    )
    body = assert_problem(response, 400, "invalid")
    assert body["errors"]["user"] == ["Mã «987654» không hợp lệ: không có đối tượng này."]
    assert body["errors"]["unit"] == ["Sai kiểu: cần một mã (số), nhận được str."]
    too_long = api(board_head).post(
        "/api/units/", {"code": "c" * 300, "name": "Phường Mới", "kind": "locality"}, format="json"
    )
    errors = assert_problem(too_long, 400, "invalid")["errors"]
    assert any("không được quá" in message and "ký tự" in message for message in errors["code"]), errors
    missing = api(board_head).post("/api/memberships/", {"role": Role.UNIT_OFFICER}, format="json")
    assert assert_problem(missing, 400, "invalid")["errors"]["user"] == ["Trường này là bắt buộc."]
    assert newcomer.pk


def test_an_english_client_reads_drf_in_english(api, person):
    board_head = person("boardhead", Role.BOARD_HEAD)
    response = api(board_head).post(
        "/api/memberships/", {"role": Role.UNIT_OFFICER}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    body = assert_problem(response, 400, "invalid")
    assert body["errors"]["user"] == ["This field is required."]


def test_the_transitions_listing_gives_each_form_as_json_schema(api, widget, unit, person):
    api(person("head", Role.UNIT_HEAD, unit=unit)).post(url(widget, "transitions/submit/"))
    officer = person("board", Role.BOARD_OFFICER)
    listing = {row["name"]: row for row in api(officer).get(url(widget, "transitions/")).json()}
    returning = listing["return_for_supplement"]
    assert returning["allowed"] is True and returning["status"] == 200
    schema = returning["input"]
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert set(schema["required"]) == {"comment", "deadline"}  # the reason is required (ReasonForm)
    properties = schema["properties"]
    assert properties["deadline"] == {"type": "string", "format": "date", "title": "Hạn bổ sung"}
    assert properties["comment"]["type"] == "string" and properties["comment"]["title"] == "Lý do"
    assert properties["comment"]["maxLength"] == 4000
    assert properties["kind"] == {
        "type": "string",
        "enum": ["papers", "figures"],
        "oneOf": [{"enum": ["papers"], "title": "Giấy tờ"}, {"enum": ["figures"], "title": "Số liệu"}],
        "title": "Loại bổ sung",
        "description": "Phần hồ sơ cần bổ sung.",
    }
    score = listing["approve"]["input"]["properties"]["score"]
    assert score == {"type": "integer", "minimum": 0, "maximum": 100, "title": "Điểm"}
    assert listing["approve"]["status"] == 403  # the officer may not approve: role first


def test_the_listing_labels_follow_the_callers_language(api, widget, unit, person):
    head = person("head", Role.UNIT_HEAD, unit=unit)
    vietnamese = api(head).get(url(widget, "transitions/")).json()
    english = api(head).get(url(widget, "transitions/"), HTTP_ACCEPT_LANGUAGE="en").json()
    comment_vi = {row["name"]: row for row in vietnamese}["submit"]["input"]["properties"]["comment"]
    comment_en = {row["name"]: row for row in english}["submit"]["input"]["properties"]["comment"]
    assert comment_vi["title"] == "Ghi chú / lý do"
    assert comment_en["title"] == "Notes / reason"


def test_the_openapi_schema_documents_each_transitions_body_and_the_problem_shape(api, person):
    import yaml

    schema = yaml.safe_load(api(person("reader", Role.AUDITOR)).get("/api/schema/").content)
    operation = next(
        item["post"]
        for path, item in schema["paths"].items()
        if "/activities/" in path and path.endswith("/transitions/{transition}/")
    )
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    variants = {variant["title"]: variant for variant in body["oneOf"]}
    assert set(variants) >= {"start", "complete", "postpone", "cancel"}  # plan/lifecycle.py
    postpone = variants["postpone"]
    assert postpone["properties"]["new_due_date"]["format"] == "date"
    assert set(postpone["required"]) >= {"new_due_date", "comment"}
    assert "multipart/form-data" in operation["requestBody"]["content"]
    for status in ("400", "403", "404", "409"):
        assert operation["responses"][status]["content"]["application/problem+json"]["schema"] == {
            "$ref": "#/components/schemas/Problem"
        }
    problem = schema["components"]["schemas"]["Problem"]["properties"]
    assert {"type", "title", "status", "detail", "code", "errors"} <= set(problem)
