"""verify_audit in parallel slices proves what one walk proves (PostgreSQL: workers need committed rows)."""

import pytest
from django.db import connection

from benchmarks.parts import generate_audit_chain
from workflows.audit import verify_chain_parallel
from workflows.models import AuditEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL (set DATABASE_URL): forked workers cannot see an in-memory test database"
        )


def _forge(sql):
    from importlib import import_module

    migration = import_module("workflows.migrations.0002_audit_append_only")
    with connection.cursor() as cursor:
        cursor.execute(migration.POSTGRES_DOWN)
        cursor.execute(sql)
        cursor.execute(migration.POSTGRES_UP)


def test_parallel_walk_passes_an_intact_chain_and_names_the_first_forgery():
    generate_audit_chain(30_000, batch=5_000)
    assert verify_chain_parallel(2) == (30_000, None)
    _forge("UPDATE workflows_auditevent SET comment = 'forged' WHERE sequence IN (17000, 25000)")
    checked, problem = verify_chain_parallel(2)
    assert problem is not None and problem.sequence == 17000
    _forge("UPDATE workflows_auditevent SET comment = '' WHERE sequence IN (17000, 25000)")
    _forge("UPDATE workflows_auditevent SET hash = repeat('a', 64) WHERE sequence = 15000")
    checked, problem = verify_chain_parallel(2)
    assert problem is not None and problem.sequence == 15000  # the boundary event's own hash is checked
    assert AuditEvent.objects.count() == 30_000
