"""The demo's two trees: the 2023 one as it was (districts, under the old city) and the one after 1 July 2025
(the merged city, phường Ninh Kiều from three wards, no district level), linked by successions; seed_demo run
twice records nothing twice, and the 2023 memberships still point at the 2023 units."""

from datetime import date
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

import organisations
from organisations.models import Unit, UnitSuccession
from workflows.audit import verify_chain
from workflows.models import AuditEvent, Membership, Role

pytestmark = pytest.mark.django_db

DISTRICTS = [
    "ninh-kieu",
    "binh-thuy",
    "cai-rang",
    "o-mon",
    "thot-not",
    "phong-dien",
    "co-do",
    "vinh-thanh",
    "thoi-lai",
]
DATA = Path(__file__).resolve().parents[2] / "demo" / "data" / "can_tho.yaml"


def seed():
    call_command("seed_demo", quiet=True, i_know_this_is_not_production=True)


def codes_on(day):
    return set(organisations.units_on(day).values_list("code", flat=True))


def test_the_demo_has_the_2023_tree_and_the_tree_after_the_reform():
    seed()
    before, after = codes_on(date(2025, 6, 30)), codes_on(date(2025, 7, 1))
    assert set(DISTRICTS) <= before and not set(DISTRICTS) & after
    assert {"ubnd-tp", "ubnd-hau-giang", "ubnd-soc-trang", "p-tan-an"} <= before
    assert {"ubnd-tp-2025", "p-ninh-kieu"} <= after and "ubnd-tp" not in after
    assert "ubnd-tp-2025" not in before
    assert Unit.objects.get(code="cai-rang").valid_to == date(2025, 6, 30)

    ward = Unit.objects.get(code="p-ninh-kieu")
    assert set(organisations.predecessors_of(ward).values_list("code", flat=True)) == {
        "p-tan-an",
        "p-thoi-binh",
        "p-xuan-khanh",
        "ninh-kieu",
    }
    merge = UnitSuccession.objects.filter(successor=ward, predecessor__code="p-tan-an").get()
    assert (merge.kind, merge.effective_on, merge.legal_act) == (
        "merge",
        date(2025, 7, 1),
        "Nghị quyết 1668/NQ-UBTVQH15",
    )
    city = Unit.objects.get(code="ubnd-tp-2025")
    assert organisations.successors_of(Unit.objects.get(code="ubnd-tp"), date(2026, 1, 1)) == [city]
    assert organisations.parent_on(ward, date(2025, 7, 1)) == city

    # the departments continue under the merged city; in 2023 they stood under the old one
    health = Unit.objects.get(code="so-y-te")
    assert organisations.parent_on(health, date(2023, 6, 1)).code == "ubnd-tp"
    assert organisations.parent_on(health, date(2025, 7, 1)) == city and health.parent == city
    assert organisations.parent_on(Unit.objects.get(code="p-tan-an"), date(2023, 6, 1)).code == "ninh-kieu"

    # the 2023 memberships keep the 2023 unit
    assert Membership.objects.filter(
        user__username="unit.officer", role=Role.UNIT_OFFICER, unit__code="ninh-kieu"
    ).exists()

    # again: nothing recorded twice, the tree unchanged, the chain intact
    events = AuditEvent.objects.filter(verb__startswith="unit_").count()
    assert events >= 3 + len(DISTRICTS) - 1
    links = UnitSuccession.objects.count()
    seed()
    assert AuditEvent.objects.filter(verb__startswith="unit_").count() == events
    assert UnitSuccession.objects.count() == links
    assert Unit.objects.get(code="so-y-te").parent == city
    assert [step for step in verify_chain() if not isinstance(step, int)] == []


def test_the_data_file_marks_every_2025_entry_confirmed_or_illustrative():
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))["reorganisation_2025"]
    entries = [*data["units"], *data["successions"], data["ended"], data["moved"]]
    for entry in entries:
        source = entry["source"]
        assert source.startswith("[C] DOMAIN.md") or source.startswith("illustrative"), entry
