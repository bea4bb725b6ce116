"""The unit API over time: validity dates, successors, `?on=YYYY-MM-DD` (400 JSON on a bad day), and a new
parent given through the API written into the dated tree (audited)."""

from datetime import date

import pytest
from django.utils import timezone

import organisations
from organisations.models import SuccessionKind, UnitKind, UnitParentPeriod
from tests.factories import UnitFactory
from workflows.audit import SYSTEM
from workflows.models import AuditEvent, Role
from workflows.organisation_services import unit_succession_record

pytestmark = pytest.mark.django_db

REFORM_DAY = date(2025, 7, 1)


@pytest.fixture
def reorganised(db):
    city = UnitFactory(code="ubnd-tp", name="UBND thành phố Cần Thơ", kind=UnitKind.PEOPLES_COMMITTEE)
    wards = [
        UnitFactory(code=code, name=name, kind=UnitKind.LOCALITY, parent=city)
        for code, name in [("tan-an", "UBND phường Tân An"), ("thoi-binh", "UBND phường Thới Bình")]
    ]
    new_ward = UnitFactory(
        code="p-ninh-kieu", name="UBND phường Ninh Kiều", valid_from=REFORM_DAY, parent=city
    )
    unit_succession_record(
        predecessors=wards,
        successor=new_ward,
        kind=SuccessionKind.MERGE,
        effective_on=REFORM_DAY,
        legal_act="Nghị quyết 1668/NQ-UBTVQH15",
        actor=SYSTEM,
    )
    return city, wards, new_ward


def _codes(response):
    body = response.json()
    rows = body["results"] if isinstance(body, dict) and "results" in body else body
    return {row["code"] for row in rows}


def test_the_list_on_a_day_shows_the_units_in_force_then(api, person, reorganised):
    reader = person("unit.officer", Role.UNIT_OFFICER, unit=reorganised[0])
    client = api(reader)
    before = client.get("/api/units/?on=2025-06-30")
    after = client.get("/api/units/?on=2025-07-01")
    assert before.status_code == after.status_code == 200
    assert {"tan-an", "thoi-binh", "ubnd-tp"} <= _codes(before) and "p-ninh-kieu" not in _codes(before)
    assert {"p-ninh-kieu", "ubnd-tp"} <= _codes(after) and not {"tan-an", "thoi-binh"} & _codes(after)
    assert {"tan-an", "p-ninh-kieu"} <= _codes(client.get("/api/units/"))  # no day: every unit


def test_the_detail_shows_dates_and_successors(api, person, reorganised):
    city, wards, new_ward = reorganised
    client = api(person("auditor", Role.AUDITOR))
    body = client.get(f"/api/units/{wards[0].pk}/").json()
    assert body["valid_from"] is None and body["valid_to"] == "2025-06-30"
    assert body["successors"] == [
        {
            "id": new_ward.pk,
            "code": "p-ninh-kieu",
            "name": "UBND phường Ninh Kiều",
            "kind": "merge",
            "effective_on": "2025-07-01",
            "legal_act": "Nghị quyết 1668/NQ-UBTVQH15",
        }
    ]
    assert client.get(f"/api/units/{wards[0].pk}/?on=2025-07-01").status_code == 404
    assert client.get(f"/api/units/{new_ward.pk}/?on=2025-07-01").json()["valid_from"] == "2025-07-01"


@pytest.mark.parametrize("day", ["30/06/2025", "2025-02-30", "hôm-nay"])
def test_a_day_that_is_not_a_date_is_a_400_in_vietnamese(api, person, reorganised, day):
    client = api(person("auditor", Role.AUDITOR))
    response = client.get("/api/units/", {"on": day})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert "Ngày không hợp lệ" in response.json()["errors"]["on"][0]


def test_a_new_parent_through_the_api_enters_the_dated_tree(api, person, reorganised):
    city, wards, new_ward = reorganised
    other = UnitFactory(code="so-noi-vu", name="Sở Nội vụ")
    client = api(person("board.head", Role.BOARD_HEAD))
    response = client.patch(f"/api/units/{new_ward.pk}/", {"parent": other.pk}, format="json")
    assert response.status_code == 200, response.content
    new_ward.refresh_from_db()
    today = timezone.localdate()
    assert new_ward.parent == other
    assert organisations.parent_on(new_ward, today) == other
    assert organisations.parent_on(new_ward, REFORM_DAY) == city
    assert UnitParentPeriod.objects.filter(unit=new_ward).count() == 2
    event = AuditEvent.objects.filter(verb="unit_parent_changed").latest("sequence")
    assert event.data["changes"]["parent"] == ["ubnd-tp", "so-noi-vu"]


def test_a_parent_cycle_through_the_api_is_a_400(api, person, reorganised):
    city, wards, new_ward = reorganised
    client = api(person("board.head", Role.BOARD_HEAD))
    response = client.patch(f"/api/units/{city.pk}/", {"parent": new_ward.pk}, format="json")
    assert response.status_code == 400
    assert "cấp dưới" in response.json()["errors"]["parent"][0]
