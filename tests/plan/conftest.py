import pytest

from workflows.models import Plan
from workflows.plan.importer import import_plan

PLAN_FILE = "workflows/data/plan_2023.yaml"


@pytest.fixture
def plan(db) -> Plan:
    """The shipped 2023 plan of Can Tho (244/KH-UBND), imported from its YAML file."""
    return import_plan(PLAN_FILE).plan


@pytest.fixture
def board_unit(plan):
    return plan.activities.get(number=1).lead_unit
