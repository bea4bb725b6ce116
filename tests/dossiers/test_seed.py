"""The demo hook: dossiers of Quận Ninh Kiều in several states, made through the engine, idempotent."""

import pytest
from django.core.management import call_command

from dossiers.models import Dossier
from tests.factories import UnitFactory
from workflows.audit import history_for
from workflows.models import Role

pytestmark = pytest.mark.django_db


def test_seed_dossiers_is_idempotent_and_goes_through_the_engine(person):
    unit = UnitFactory(code="ninh-kieu", name="Ủy ban nhân dân quận Ninh Kiều", short_name="Quận Ninh Kiều")
    person("unit.officer", Role.UNIT_OFFICER, unit=unit)
    person("unit.head", Role.UNIT_HEAD, unit=unit)
    person("board.officer", Role.BOARD_OFFICER)
    person("board.head", Role.BOARD_HEAD)
    call_command("seed_dossiers", verbosity=0)
    call_command("seed_dossiers", verbosity=0)
    states = sorted(Dossier.objects.values_list("state", flat=True))
    assert states == ["accepted", "appraised", "draft", "returned", "submitted"]
    appraised = Dossier.objects.get(state="appraised")
    assert [e.verb for e in history_for(appraised) if e.target_state] == [
        "create",
        "submit",
        "accept",
        "sign_off",
    ]
