"""A collective's titles follow it through a reorganisation: phường Ninh Kiều (from 1 July 2025, the merger of
Tân An, Thới Bình and Xuân Khánh) counts the titles those wards earned as its own (dossiers.eligibility reads
the history of the same collective under the units it succeeds, organisations.predecessors_of)."""

from datetime import date

import pytest

from dossiers.eligibility import History, check_rule
from dossiers.models import AwardType, RuleKind
from organisations.models import SuccessionKind, UnitKind
from tests.factories import AwardRecordFactory, NomineeFactory, UnitFactory
from workflows.audit import SYSTEM
from workflows.organisation_services import unit_succession_record

pytestmark = pytest.mark.django_db

REFORM_DAY = date(2025, 7, 1)
STREAK = {"award": "ttldtt", "years": 3}


def _title():
    return AwardType.objects.filter(code="ttldtt").order_by("-effective_from").first()


def _collective(unit, **fields):
    return NomineeFactory(kind="collective", unit=unit, full_name=unit.name, gender="", position="", **fields)


@pytest.fixture
def merged():
    wards = [UnitFactory(code=code, kind=UnitKind.LOCALITY) for code in ("tan-an", "thoi-binh", "xuan-khanh")]
    new_ward = UnitFactory(code="p-ninh-kieu", name="UBND phường Ninh Kiều", valid_from=REFORM_DAY)
    unit_succession_record(
        predecessors=wards,
        successor=new_ward,
        kind=SuccessionKind.MERGE,
        effective_on=REFORM_DAY,
        legal_act="Nghị quyết 1668/NQ-UBTVQH15",
        actor=SYSTEM,
    )
    return wards, new_ward


def _streak(nominee, year=2025):
    return check_rule(RuleKind.CONSECUTIVE_TITLES, STREAK, History(nominee), year)


def test_titles_under_the_predecessors_count_for_the_successor(merged):
    wards, new_ward = merged
    AwardRecordFactory(nominee=_collective(wards[0]), award=_title(), year=2023)
    AwardRecordFactory(nominee=_collective(wards[1]), award=_title(), year=2024)
    successor = _collective(new_ward)
    AwardRecordFactory(nominee=successor, award=_title(), year=2025)
    passed, detail = _streak(successor)
    assert passed, detail
    assert "3/3 năm liên tục" in detail


def test_without_the_succession_the_streak_is_short(merged):
    wards, new_ward = merged
    unrelated = UnitFactory(code="cai-rang")
    AwardRecordFactory(nominee=_collective(unrelated), award=_title(), year=2023)
    AwardRecordFactory(nominee=_collective(unrelated), award=_title(), year=2024)
    # a department inside Tân An is another collective: its titles are not the ward's
    AwardRecordFactory(nominee=_collective(wards[0], sub_unit="Bộ phận một cửa"), award=_title(), year=2024)
    AwardRecordFactory(nominee=_collective(wards[0], sub_unit="Bộ phận một cửa"), award=_title(), year=2023)
    successor = _collective(new_ward)
    AwardRecordFactory(nominee=successor, award=_title(), year=2025)
    passed, detail = _streak(successor)
    assert not passed
    assert "1/3 năm liên tục" in detail


def test_the_predecessor_does_not_inherit_the_successors_titles(merged):
    wards, new_ward = merged
    AwardRecordFactory(nominee=_collective(new_ward), award=_title(), year=2025)
    before = _collective(wards[0])
    AwardRecordFactory(nominee=before, award=_title(), year=2024)
    passed, detail = _streak(before, 2025)
    assert not passed and "1/3" in detail
