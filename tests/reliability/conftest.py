"""Shared pieces of the reliability tests: PostgreSQL-only guard, threads released together, the dossier cast."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import connections

from workflows.audit import ChainProblem, verify_chain
from workflows.checkpoints import head_problems
from workflows.models import Role

POSTGRES_REASON = (
    "needs PostgreSQL (set DATABASE_URL): SQLite serialises every writer, so there is no race to prove"
)


def on_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def postgres_only(reason: str = POSTGRES_REASON):
    """Skip marker decided before any database fixture runs (a transactional test on SQLite cannot even
    clean up: the audit triggers refuse the DELETE its flush needs)."""
    return pytest.mark.skipif(not on_postgres(), reason=reason)


def run_in_threads(count: int, target, *, timeout: float = 120):
    """Run target(i) in `count` threads, each on its own database connection, released together by a
    barrier. Returns (results, errors), one slot per thread."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, [None] * count

    def worker(index):
        try:
            barrier.wait(timeout=timeout)
            results[index] = target(index)
        except Exception as exc:  # collected and asserted by the test
            errors[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread is still running"
    return results, errors


def chain_is_intact() -> bool:
    """verify_audit's walk of every chain finds no problem, and every chain's head points at its last event
    (the threads' writes land in any chain with AUDIT_CHAINS > 1)."""
    problems = [item for item in verify_chain() if isinstance(item, ChainProblem)]
    return not problems and not head_problems()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def catalogue(db):
    """The award catalogue a migration loads. A transactional test's flush empties every table, so the
    tests that run after one load it again (idempotent; serialized_rollback would instead fight the rows
    that post_migrate re-creates after each flush)."""
    from dossiers.catalogue import catalogue_load
    from dossiers.models import AwardType, EligibilityRule

    catalogue_load(AwardType, EligibilityRule)


@pytest.fixture
def cast(db, catalogue, unit, other_unit, person):
    """The people of one dossier's life (as in tests/dossiers): the unit's staff, the Board, the chairman."""
    return SimpleNamespace(
        officer=person("unit.officer", Role.UNIT_OFFICER, unit=unit),
        head=person("unit.head", Role.UNIT_HEAD, unit=unit),
        board=person("board.officer", Role.BOARD_OFFICER),
        board2=person("board.officer2", Role.BOARD_OFFICER),
        board_head=person("board.head", Role.BOARD_HEAD),
        chairman=person("chairman", Role.CITY_CHAIRMAN),
        auditor=person("auditor", Role.AUDITOR),
        unit=unit,
        other_unit=other_unit,
    )
