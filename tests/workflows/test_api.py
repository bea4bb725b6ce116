"""The API convention on the test-only machine: 200 / 409 / 403 / 400, transitions listing, history."""

import pytest
from django.utils import timezone

from tests.factories import UserFactory
from tests.testapp.models import Widget
from workflows.models import Membership, Role

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.testapp.urls")]


@pytest.fixture
def widget(unit):
    return Widget.objects.create(title="Hồ sơ C", unit=unit)


def url(widget, suffix=""):
    return f"/api/test/widgets/{widget.pk}/{suffix}"


def test_perform_returns_200_with_the_new_state(api, widget, unit, person):
    head = person("head", Role.UNIT_HEAD, unit=unit)
    response = api(head).post(url(widget, "transitions/submit/"), {"comment": "Trình"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "submitted"


def test_wrong_state_is_409_with_a_readable_message(api, widget, person):
    response = api(person("boss", Role.BOARD_HEAD)).post(
        url(widget, "transitions/approve/"), {"score": 3}, format="json"
    )
    assert response.status_code == 409
    assert "Dự thảo" in response.json()["detail"]


def test_wrong_role_is_403(api, widget, unit, person):
    response = api(person("officer", Role.UNIT_OFFICER, unit=unit)).post(url(widget, "transitions/submit/"))
    assert response.status_code == 403
    assert "Thủ trưởng đơn vị" in response.json()["detail"]


def test_invalid_input_is_400_with_vietnamese_field_errors(api, widget, unit, person):
    api(person("head", Role.UNIT_HEAD, unit=unit)).post(url(widget, "transitions/submit/"))
    response = api(person("boss", Role.BOARD_HEAD)).post(
        url(widget, "transitions/approve/"), {"score": 500}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"score": ["Đảm bảo giá trị này là nhỏ hơn hoặc bằng với 100 ."]}
    widget.refresh_from_db()
    assert widget.state == "submitted" and widget.score == 0


def test_transitions_listing_says_why_not(api, widget, unit, person):
    head = person("head", Role.UNIT_HEAD, unit=unit)
    listing = {row["name"]: row for row in api(head).get(url(widget, "transitions/")).json()}
    assert listing["submit"]["allowed"] is True and listing["submit"]["reason"] == ""
    # role before state: approve is not the unit head's job, whatever the state
    assert listing["approve"]["allowed"] is False and "Trưởng Ban TĐKT" in listing["approve"]["reason"]
    assert listing["cancel"]["allowed"] is False and "Chủ tịch UBND" in listing["cancel"]["reason"]
    board_head = person("boss", Role.BOARD_HEAD)
    listing = {row["name"]: row for row in api(board_head).get(url(widget, "transitions/")).json()}
    assert listing["approve"]["allowed"] is False and "Dự thảo" in listing["approve"]["reason"]


def test_history_is_readable_by_board_and_auditor_only(api, widget, unit, person):
    head = person("head", Role.UNIT_HEAD, unit=unit)
    api(head).post(url(widget, "transitions/submit/"))
    auditor = person("auditor", Role.AUDITOR)
    events = api(auditor).get(url(widget, "history/")).json()
    assert [(e["verb"], e["source_state"], e["target_state"], e["actor"]) for e in events] == [
        ("submit", "draft", "submitted", "head")
    ]
    assert api(head).get(url(widget, "history/")).status_code == 403


def test_anonymous_is_refused(api, widget):
    assert api().get(url(widget, "transitions/")).status_code in (401, 403)


def test_token_auth(api, unit, person):
    user = person("tokenuser", Role.BOARD_OFFICER)
    user.set_password("a-long-password-1")
    user.save()
    response = api().post("/api/auth/token/", {"username": "tokenuser", "password": "a-long-password-1"})
    assert response.status_code == 200
    token = response.json()["token"]
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/units/").status_code == 200


def test_schema_and_docs_are_served(api, person):
    user = person("reader", Role.AUDITOR)
    schema = api(user).get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/units/" in schema.content and b"/api/v1/memberships/" in schema.content
    assert api(user).get("/api/docs/").status_code == 200


def test_units_read_for_all_write_for_board_head(api, unit, person):
    officer = person("officer", Role.UNIT_OFFICER, unit=unit)
    assert api(officer).get("/api/units/").status_code == 200
    payload = {"code": "new-unit", "name": "Phường An Hòa", "kind": "locality"}
    assert api(officer).post("/api/units/", payload, format="json").status_code == 403
    board_head = person("boardhead", Role.BOARD_HEAD)
    assert api(board_head).post("/api/units/", payload, format="json").status_code == 201


def test_memberships_are_granted_and_ended_through_the_audited_service(api, unit, person):
    board_head = person("boardhead", Role.BOARD_HEAD)
    newcomer = UserFactory(username="newcomer")
    response = api(board_head).post(
        "/api/memberships/",
        {
            "user": newcomer.pk,
            "role": Role.UNIT_OFFICER,
            "unit": unit.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    membership = Membership.objects.get(pk=response.json()["id"])
    from workflows.policies import may_view_unit

    assert may_view_unit(newcomer, unit)
    end = api(board_head).post(
        f"/api/memberships/{membership.pk}/end/", {"valid_to": str(timezone.localdate())}, format="json"
    )
    assert end.status_code == 200
    from workflows.models import AuditEvent

    verbs = list(
        AuditEvent.objects.filter(
            verb__in=["membership_granted", "membership_ended", "permission_granted"]
        ).values_list("verb", flat=True)
    )
    assert verbs.count("membership_granted") >= 1 and "membership_ended" in verbs
    # the role itself gives the power: nothing is copied into object permissions any more (issue 13)
    assert "permission_granted" not in verbs
    assert not may_view_unit(type(newcomer).objects.get(pk=newcomer.pk), unit)


def test_membership_without_required_scope_is_400(api, person):
    board_head = person("boardhead", Role.BOARD_HEAD)
    newcomer = UserFactory(username="newcomer")
    response = api(board_head).post(
        "/api/memberships/", {"user": newcomer.pk, "role": Role.UNIT_OFFICER}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"unit": ["Vai trò này cần chọn đơn vị."]}
