"""Fixtures for the dossiers tests: the cast of users and a media folder per test."""

from types import SimpleNamespace

import pytest

from workflows.models import Role


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def cast(db, unit, other_unit, person):
    """The people of one dossier's life: two units' staff, the Board, the chairman, an auditor."""
    return SimpleNamespace(
        officer=person("unit.officer", Role.UNIT_OFFICER, unit=unit),
        head=person("unit.head", Role.UNIT_HEAD, unit=unit),
        officer2=person("unit2.officer", Role.UNIT_OFFICER, unit=other_unit),
        head2=person("unit2.head", Role.UNIT_HEAD, unit=other_unit),
        board=person("board.officer", Role.BOARD_OFFICER),
        board_head=person("board.head", Role.BOARD_HEAD),
        chairman=person("chairman", Role.CITY_CHAIRMAN),
        auditor=person("auditor", Role.AUDITOR),
        unit=unit,
        other_unit=other_unit,
    )
