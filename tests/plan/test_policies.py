"""The plan's policies (plan/policies.py): each admits its roles and refuses the others with its reason; a
superuser without a role is refused by every one of them and by every transition of an activity through the
API (403 JSON); the services record the role decided by the policy, and a refusal writes nothing.

The plan has no object grant of its own: who acts on a unit's plan follows from the unit's memberships."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from plan import policies, services
from plan.models import OversightAssignment, UnitPlan
from tests.factories import CouncilTermFactory, UnitFactory, UserFactory
from workflows import engine
from workflows.audit import Actor
from workflows.models import AuditEvent, Role
from workflows.policies import REGISTRY

pytestmark = pytest.mark.django_db

PLAN_POLICIES = [name for name, entry in REGISTRY.items() if entry.module == "plan.policies"]


@pytest.fixture
def cast(person, plan):
    lead = plan.activities.get(number=5).lead_unit
    other = UnitFactory(name="Sở Y tế")
    return {
        "board_officer": person("board.officer", Role.BOARD_OFFICER),
        "board_head": person("board.head", Role.BOARD_HEAD),
        "unit_officer": person("unit.officer", Role.UNIT_OFFICER, unit=lead),
        "unit_head": person("unit.head", Role.UNIT_HEAD, unit=lead),
        "other_unit_officer": person("other.officer", Role.UNIT_OFFICER, unit=other),
        "council_member": person("council.member", Role.COUNCIL_MEMBER, council_term=CouncilTermFactory()),
        "auditor": person("auditor", Role.AUDITOR),
        "chairman": person("chairman", Role.CITY_CHAIRMAN),
        "superuser": UserFactory(username="it.admin", is_superuser=True, is_staff=True),
        "lead": lead,
        "other": other,
    }


@pytest.fixture
def unit_plan(plan, cast):
    return UnitPlan.objects.create(
        plan=plan, unit=cast["lead"], summary="Kế hoạch của đơn vị", registered_by=cast["unit_officer"]
    )


BOARD = {"board_officer", "board_head"}
HEAD = {"board_head"}
UNIT = {"unit_officer", "unit_head"}

#: policy → (who is allowed, the reason the others get, which object it is asked about)
TABLE = {
    "may_copy_plan": (BOARD, "Chỉ Ban TĐKT được thực hiện thao tác này.", "plan"),
    "may_issue_plan": (HEAD, "Chỉ Trưởng Ban TĐKT được ghi nhận ban hành kế hoạch.", "plan"),
    "may_assign_oversight": (
        HEAD,
        "Chỉ Trưởng Ban TĐKT được phân công thành viên hội đồng phụ trách.",
        "plan",
    ),
    "may_register_unit_plan": (
        UNIT,
        "Chỉ cán bộ TĐKT hoặc thủ trưởng của đơn vị được đăng ký kế hoạch của đơn vị.",
        "lead",
    ),
    "may_report_progress": (
        UNIT,
        "Chỉ cán bộ TĐKT hoặc thủ trưởng của đơn vị được báo cáo tiến độ.",
        "unit_plan",
    ),
}
PEOPLE = [
    "board_officer",
    "board_head",
    "unit_officer",
    "unit_head",
    "other_unit_officer",
    "council_member",
    "auditor",
    "chairman",
    "superuser",
]


def test_the_table_covers_every_plan_policy():
    assert sorted(TABLE) == sorted(PLAN_POLICIES)


@pytest.mark.parametrize("name", sorted(TABLE))
def test_each_policy_admits_its_roles_and_refuses_the_others_with_its_reason(name, cast, plan, unit_plan):
    allowed, reason, target = TABLE[name]
    obj = {"plan": plan, "lead": cast["lead"], "unit_plan": unit_plan}[target]
    for who in PEOPLE:
        decision = REGISTRY[name](cast[who], obj)
        assert decision.allowed is (who in allowed), (name, who)
        if who in allowed:
            assert decision.role in (Role.BOARD_OFFICER, Role.BOARD_HEAD, Role.UNIT_OFFICER, Role.UNIT_HEAD)
        else:
            assert decision.reason == reason and decision.status == 403, (name, who)


def test_another_units_plan_is_refused_to_a_unit_officer(cast, plan):
    other_plan = UnitPlan.objects.create(
        plan=plan, unit=cast["other"], registered_by=cast["other_unit_officer"]
    )
    assert not policies.may_report_progress(cast["unit_officer"], other_plan)
    assert not policies.may_register_unit_plan(cast["unit_officer"], cast["other"])
    assert policies.may_report_progress(cast["other_unit_officer"], other_plan)


def test_a_superuser_without_a_role_is_refused_by_every_plan_policy_and_its_service(cast, plan, unit_plan):
    admin = Actor(cast["superuser"], role=Role.BOARD_HEAD)  # naming a role is not holding it
    for name in PLAN_POLICIES:
        assert not REGISTRY[name](cast["superuser"], unit_plan if name == "may_report_progress" else plan)
    before = AuditEvent.objects.count()
    attempts = [
        lambda: services.plan_copy_to_next_year(plan=plan, actor=admin),
        lambda: services.plan_issue(plan=plan, number="1/KH", issued_on=date(2023, 1, 5), actor=admin),
        lambda: services.oversight_assign(
            plan=plan, member=cast["council_member"], unit=cast["lead"], actor=admin
        ),
        lambda: services.unit_plan_register(plan=plan, unit=cast["other"], actor=admin),
        lambda: services.progress_report_submit(
            unit_plan=unit_plan, period="Quý 1", content="x", items_done=0, actor=admin
        ),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    assert AuditEvent.objects.count() == before
    assert not OversightAssignment.objects.exists()


ACTIVITY_TRANSITIONS = ["start", "complete", "postpone", "resume", "cancel"]


def test_a_superuser_gets_403_json_on_every_activity_transition(api, cast, plan):
    planned = plan.activities.get(number=5)
    in_progress = plan.activities.get(number=6)
    engine.perform(in_progress, "start", user=cast["board_officer"])
    postponed = plan.activities.get(number=7)
    engine.perform(
        postponed,
        "postpone",
        user=cast["board_head"],
        data={"comment": "Chờ số liệu", "new_due_date": "2023-12-28"},
    )
    source = {"start": planned, "postpone": planned, "cancel": planned, "complete": in_progress}
    source["resume"] = postponed
    client = api(cast["superuser"])
    for name in ACTIVITY_TRANSITIONS:
        activity = source[name]
        response = client.post(f"/api/activities/{activity.pk}/transitions/{name}/", {}, format="json")
        assert response.status_code == 403, (name, response.content)
        assert (
            response["Content-Type"].startswith(("application/json", "application/problem+json"))
            and response.json()["detail"]
        )
        activity.refresh_from_db()
    assert plan.activities.get(number=5).state == "planned"


def test_the_services_record_the_role_the_policy_decided(cast, plan):
    issued = services.plan_issue(
        plan=plan.__class__.objects.create(year=2031, title="Kế hoạch 2031", issuing_body="UBND"),
        number="9/KH-UBND",
        issued_on=date(2030, 12, 20),
        actor=Actor(cast["board_head"]),
    )
    assert AuditEvent.objects.get(verb="plan_issued", subject_id=str(issued.pk)).role == Role.BOARD_HEAD
    unit_plan = services.unit_plan_register(plan=plan, unit=cast["lead"], actor=Actor(cast["unit_head"]))
    assert AuditEvent.objects.get(verb="unit_plan_registered", subject_id=str(unit_plan.pk)).role == (
        Role.UNIT_HEAD
    )


def test_the_pages_follow_the_policies(client, cast, plan):
    client.force_login(cast["unit_officer"])
    page = client.get(f"/ke-hoach/{plan.year}/")
    assert page.status_code == 200 and not page.context["is_board"]
    assert page.context["may"]["copy_plan"].reason == "Chỉ Ban TĐKT được thực hiện thao tác này."
    assert client.get(f"/ke-hoach/{plan.year}/ban-hanh/").status_code == 403
    client.force_login(cast["board_head"])
    page = client.get(f"/ke-hoach/{plan.year}/")
    assert page.context["is_board"] and page.context["may"]["issue_plan"]
    assert client.get(f"/ke-hoach/{plan.year}/ban-hanh/").status_code == 200
