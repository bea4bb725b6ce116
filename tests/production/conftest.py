"""Fixtures for the production-path tests: a dossier's cast of users and a media folder per test."""

from types import SimpleNamespace

import pytest

from workflows.models import Role


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def cast(db, unit, other_unit, person):
    return SimpleNamespace(
        officer=person("unit.officer", Role.UNIT_OFFICER, unit=unit),
        head=person("unit.head", Role.UNIT_HEAD, unit=unit),
        officer2=person("unit2.officer", Role.UNIT_OFFICER, unit=other_unit),
        board=person("board.officer", Role.BOARD_OFFICER),
        unit=unit,
        other_unit=other_unit,
    )
