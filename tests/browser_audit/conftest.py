"""Fixtures for the audit pages' tests: the dossiers tests' cast of users and media folder."""

from tests.dossiers.conftest import cast, media_root  # noqa: F401
