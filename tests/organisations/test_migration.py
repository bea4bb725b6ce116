"""The dated tree starts from the tree as it stood: migrating forward gives each unit with a parent one parent
period open at both ends, keeps every unit and its parent, and leaves the new dates empty (since always)."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

import organisations
from organisations.models import Unit, UnitParentPeriod

BEFORE = [("organisations", "0002_forget_membership_copies_in_object_permissions")]


@pytest.mark.django_db(transaction=True)
def test_migrating_forward_creates_parent_periods_from_the_current_parent():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("organisations", "Unit")
    city = old.objects.create(code="ubnd-tp", name="UBND thành phố Cần Thơ", kind="peoples_committee")
    district = old.objects.create(code="ninh-kieu", name="UBND quận Ninh Kiều", kind="locality", parent=city)
    old.objects.create(code="tan-an", name="UBND phường Tân An", kind="locality", parent=district)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("organisations"))

    assert Unit.objects.filter(code__in=["ubnd-tp", "ninh-kieu", "tan-an"]).count() == 3
    periods = {
        (p.unit.code, p.parent.code, p.valid_from, p.valid_to)
        for p in UnitParentPeriod.objects.select_related("unit", "parent")
    }
    assert periods == {("ninh-kieu", "ubnd-tp", None, None), ("tan-an", "ninh-kieu", None, None)}
    ward = Unit.objects.get(code="tan-an")
    assert (ward.valid_from, ward.valid_to, ward.parent.code) == (None, None, "ninh-kieu")
    assert organisations.parent_on(ward, date(1990, 1, 1)).code == "ninh-kieu"
    assert set(organisations.units_on(date(2030, 1, 1)).values_list("code", flat=True)) >= {
        "ubnd-tp",
        "tan-an",
    }

    # back and forth again: the periods go and come back once, never twice
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("organisations"))
    assert UnitParentPeriod.objects.count() == 2
