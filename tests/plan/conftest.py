import pytest

from plan.importer import import_plan
from plan.models import Plan

PLAN_FILE = "plan/data/plan_2023.yaml"


@pytest.fixture
def plan(db) -> Plan:
    """The shipped 2023 plan of Can Tho (244/KH-UBND), imported from its YAML file."""
    return import_plan(PLAN_FILE).plan


@pytest.fixture
def board_unit(plan):
    return plan.activities.get(number=1).lead_unit


@pytest.fixture
def activity(plan):
    """Activity 5 of the 2023 plan (a report, led by the Board, no process of its own)."""
    return plan.activities.get(number=5)


@pytest.fixture
def board_officer(person):
    from workflows.models import Role

    return person("board.officer", Role.BOARD_OFFICER)


@pytest.fixture
def board_head(person):
    from workflows.models import Role

    return person("board.head", Role.BOARD_HEAD)


@pytest.fixture
def chairman(person):
    from workflows.models import Role

    return person("chairman", Role.CITY_CHAIRMAN)
