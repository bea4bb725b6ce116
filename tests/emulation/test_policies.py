"""The division's policies (emulation/policies.py): each admits its roles and refuses the others with its
reason; a superuser without a role is refused by every one of them, by its services, and by the division's
one transition (announce) on the web and through the engine; the services record the role decided.

The division has no object grant of its own and no API of its own: its transition is taken on the web page."""

import pytest
from django.core.exceptions import PermissionDenied

from emulation import services
from emulation.models import Division, EmulationGroup
from tests.factories import CouncilTermFactory, UnitFactory, UserFactory
from workflows import engine
from workflows.audit import Actor
from workflows.models import AuditEvent, Role
from workflows.policies import REGISTRY

pytestmark = pytest.mark.django_db

EMULATION_POLICIES = [name for name, entry in REGISTRY.items() if entry.module == "emulation.policies"]
REFUSED = "Bạn không có quyền thực hiện thao tác này."
TABLE = {
    "may_open_division": {"board_officer", "board_head"},
    "may_draft_division": {"board_officer", "board_head"},
    "may_assign_group_overseer": {"board_head"},
}


@pytest.fixture
def cast(person, unit):
    return {
        "board_officer": person("board.officer", Role.BOARD_OFFICER),
        "board_head": person("board.head", Role.BOARD_HEAD),
        "unit_officer": person("unit.officer", Role.UNIT_OFFICER, unit=unit),
        "unit_head": person("unit.head", Role.UNIT_HEAD, unit=unit),
        "council_member": person("council.member", Role.COUNCIL_MEMBER, council_term=CouncilTermFactory()),
        "auditor": person("auditor", Role.AUDITOR),
        "chairman": person("chairman", Role.CITY_CHAIRMAN),
        "superuser": UserFactory(username="it.admin", is_superuser=True, is_staff=True),
    }


@pytest.fixture
def division(cast):
    return services.division_open(year=2025, actor=Actor(cast["board_officer"]))


def test_the_table_covers_every_emulation_policy():
    assert sorted(TABLE) == sorted(EMULATION_POLICIES)


@pytest.mark.parametrize("name", sorted(TABLE))
def test_each_policy_admits_its_roles_and_refuses_the_others_with_its_reason(name, cast, division):
    for who, user in cast.items():
        decision = REGISTRY[name](user, division)
        assert decision.allowed is (who in TABLE[name]), (name, who)
        if not decision.allowed:
            assert decision.reason == REFUSED and decision.status == 403


def test_a_superuser_without_a_role_is_refused_by_every_policy_service_and_the_announce_transition(
    client, cast, division, unit
):
    superuser = cast["superuser"]
    for name in EMULATION_POLICIES:
        assert not REGISTRY[name](superuser, division), name
    group = services.group_add(
        division=division,
        kind="cluster",
        name="Cụm 1",
        members=[unit],
        head_unit=unit,
        actor=Actor(cast["board_officer"]),
    )
    before = AuditEvent.objects.count()
    admin = Actor(superuser, role=Role.BOARD_HEAD)  # naming a role is not holding it
    attempts = [
        lambda: services.division_open(year=2026, actor=admin),
        lambda: services.group_add(
            division=division,
            kind="block",
            name="Khối 1",
            members=[UnitFactory()],
            head_unit=unit,
            actor=admin,
        ),
        lambda: services.group_assign_overseer(group=group, member=cast["council_member"], actor=admin),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    with pytest.raises(PermissionDenied):
        engine.perform(division, "announce", user=superuser, data={"document_number": "1/TB"})
    client.force_login(superuser)
    response = client.post(
        f"/thao-tac/emulation/division/{division.pk}/announce/",
        {"document_number": "1/TB", "announced_on": "15/03/2025", "comment": "", "confirmed": "1"},
    )
    # the web form shows the engine's refusal next to the step (a message, the page kept); nothing changes
    assert response.status_code in (200, 400, 403) and not response.context["verdict"].allowed
    division.refresh_from_db()
    assert division.state == "draft"
    assert client.post("/cum-khoi/phan-chia/2026/tao/").status_code == 403
    assert AuditEvent.objects.count() == before
    assert not Division.objects.filter(year=2026).exists()
    assert EmulationGroup.objects.count() == 1 and not group.overseers.exists()


def test_the_services_record_the_role_the_policy_decided(cast, division, unit):
    group = services.group_add(
        division=division,
        kind="cluster",
        name="Cụm 1",
        members=[unit],
        head_unit=unit,
        actor=Actor(cast["board_head"]),
    )
    assert AuditEvent.objects.get(verb="group_added").role == Role.BOARD_HEAD
    services.group_assign_overseer(
        group=group, member=cast["council_member"], actor=Actor(cast["board_head"])
    )
    assert AuditEvent.objects.get(verb="overseer_assigned").role == Role.BOARD_HEAD
    assert AuditEvent.objects.get(verb="created", subject_id=str(division.pk)).role == Role.BOARD_OFFICER


def test_the_division_page_offers_the_forms_its_policies_allow(client, cast, division):
    client.force_login(cast["board_officer"])
    page = client.get(division.get_absolute_url())
    assert page.context["group_form"] is not None and page.context["overseer_form"] is None
    client.force_login(cast["board_head"])
    page = client.get(division.get_absolute_url())
    assert page.context["group_form"] is not None and page.context["overseer_form"] is not None
    client.force_login(cast["superuser"])
    page = client.get(division.get_absolute_url())
    assert not page.context["board"] and page.context["group_form"] is None
    assert page.context["overseer_form"] is None
