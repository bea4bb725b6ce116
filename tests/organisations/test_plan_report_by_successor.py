"""The Board's consolidated plan report names each unit's plan under the unit as it was (default) or, with
?unit_view=successor, under the units that continue it today (issue 17, organisations.timeline.successors_of)."""

from datetime import date

import pytest

from organisations.models import SuccessionKind, Unit, UnitKind
from plan import services
from tests.factories import UnitFactory
from workflows.audit import SYSTEM, Actor
from workflows.models import Role
from workflows.organisation_services import unit_succession_record

pytestmark = pytest.mark.django_db

URL = "/ke-hoach/2023/bao-cao-tong-hop/"


@pytest.fixture
def merged_plan(person):
    from plan.importer import import_plan

    plan = import_plan("plan/data/plan_2023.yaml").plan
    school_dept = Unit.objects.get(code="so-gd-dt")
    officer = person("gd.officer", Role.UNIT_OFFICER, unit=school_dept)
    services.unit_plan_register(
        plan=plan,
        unit=school_dept,
        number="12/KH-SGDĐT",
        actor=Actor(officer, Role.UNIT_OFFICER),
    )
    successor = UnitFactory(
        code="so-gd-dt-moi", name="Sở Giáo dục và Đào tạo (sau hợp nhất)", kind=UnitKind.DEPARTMENT
    )
    successor.valid_from = date(2025, 7, 1)
    successor.save(update_fields=["valid_from"])
    unit_succession_record(
        predecessors=[school_dept],
        successor=successor,
        kind=SuccessionKind.MERGE,
        effective_on=date(2025, 7, 1),
        legal_act="Nghị quyết 202/2025/QH15",
        actor=SYSTEM,
    )
    return plan


def test_the_report_names_the_unit_then_or_its_successor_today(client, person, merged_plan):
    client.force_login(person("report.board", Role.BOARD_OFFICER))
    name = Unit.objects.get(code="so-gd-dt").name
    then = client.get(URL).content.decode()
    assert f"{name}</a>" in then and "sau hợp nhất" not in then
    successor = client.get(URL, {"unit_view": "successor"}).content.decode()
    assert "Đơn vị kế thừa hiện nay" in successor
    assert "Sở Giáo dục và Đào tạo (sau hợp nhất)" in successor
    assert "Lúc đó: <a" in successor and f"{name}</a>" in successor
    assert client.get(URL, {"unit_view": "<script>"}).status_code == 200  # anything else: the unit then
