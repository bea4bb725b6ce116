"""Issue 12, item 3 on PostgreSQL: what the tables' owner can do to the audit log, verify_audit noticing it,
and the application's role (docs/operations.md, "Database roles") that cannot do it at all."""

from __future__ import annotations

import uuid

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from tests.testapp.models import Widget
from workflows import audit, engine
from workflows.audit import SYSTEM
from workflows.checkpoints import SignedCheckpoint, audit_checkpoint_sign, position, verify_log
from workflows.models import AuditEvent, Role

from .conftest import postgres_only

pytestmark = [
    pytest.mark.postgres,
    postgres_only(
        "needs PostgreSQL (set DATABASE_URL): DISABLE TRIGGER, TRUNCATE and roles are PostgreSQL's"
    ),
    pytest.mark.django_db,
]

EVENTS = 12


@pytest.fixture
def checkpoint_dir(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_DIR = str(tmp_path / "checkpoints")
    return tmp_path / "checkpoints"


@pytest.fixture
def chain(unit):
    widget = Widget.objects.create(title="Hồ sơ khen thưởng", unit=unit)
    for number in range(1, EVENTS + 1):
        with transaction.atomic():
            audit.record(subject=widget, actor=SYSTEM, verb="note", comment=f"Ghi chú {number}")
    return widget


def as_owner(*statements):
    """The issue's attacker: the role that owns the tables, which may disable their triggers."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # run the test transaction's deferred FK checks now
        for statement in statements:
            cursor.execute(statement)


def codes(report):
    return [problem.code for problem in report.problems]


def at(sequence: int) -> str:
    """An event's number in this test's chain as the messages write it ("12", or "3·12" in chain 3)."""
    return position(audit.chain_for_connection(), sequence)


def test_owner_disables_the_trigger_and_deletes_the_tail(chain, checkpoint_dir):
    audit_checkpoint_sign(actor=SYSTEM)
    as_owner(
        "ALTER TABLE workflows_auditevent DISABLE TRIGGER USER",
        f"DELETE FROM workflows_auditevent WHERE chain = {audit.chain_for_connection()} AND sequence > {EVENTS - 4}",
        "ALTER TABLE workflows_auditevent ENABLE TRIGGER USER",
    )
    report = verify_log()
    assert codes(report) == ["missing_tail", "missing_tail"]
    assert (
        f"the chain head is at event #{at(EVENTS)} but the log ends at #{at(EVENTS - 4)}"
        in report.problems[0].reason
    )
    audit.sync_chain_head()  # the attacker moves the head back too: the signed checkpoint still says more
    report = verify_log()
    assert codes(report) == ["missing_tail"] and "the checkpoint signed at" in report.problems[0].reason


def test_owner_truncates_cascade(chain, checkpoint_dir):
    """The issue: "TRUNCATE … CASCADE ("intact: 0 events", exit 0)"."""
    audit_checkpoint_sign(actor=SYSTEM)
    as_owner("TRUNCATE workflows_auditevent CASCADE")
    report = verify_log()
    assert codes(report) == ["empty_log", "empty_log"]
    chain = audit.chain_for_connection()
    emptied = "empty log" if chain == 1 else f"chain {chain} is empty"
    assert (
        report.problems[0].reason
        == f"{emptied} where there were events: the chain head is at event #{at(EVENTS)}"
    )
    # the head and the checkpoints wiped as well: the files outside the database still tell
    as_owner("TRUNCATE workflows_auditchainhead, workflows_auditcheckpoint CASCADE")
    report = verify_log()
    assert codes(report) == ["file_not_in_database", "empty_log"]
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_audit", "--workers", "1")
    assert exit_info.value.code == 1


def _refused(sql: str, message: str):
    with pytest.raises(DatabaseError, match=message), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)


def test_the_application_role_cannot_disable_triggers_truncate_or_delete_but_records_transitions(
    unit, person, checkpoint_dir
):
    suffix = uuid.uuid4().hex[:10]
    owner, app = f"tdkt_owner_{suffix}", f"tdkt_app_{suffix}"
    widget = Widget.objects.create(title="Hồ sơ B", unit=unit)
    head = person("head", Role.UNIT_HEAD, unit=unit)
    with connection.cursor() as cursor:  # roles and ownership roll back with the test's transaction
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses while FK checks are pending
        cursor.execute(f"CREATE ROLE {owner} NOLOGIN")
        cursor.execute(f"CREATE ROLE {app} NOLOGIN")
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        for (table,) in cursor.fetchall():
            cursor.execute(f'ALTER TABLE "{table}" OWNER TO {owner}')
    call_command("db_grant_app_role", app)
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {app}")
    try:
        # the application works as this role: a transition is recorded, a checkpoint signed, the log verified
        engine.perform(widget, "submit", user=head)
        widget.refresh_from_db()
        assert widget.state == "submitted"
        checkpoint = audit_checkpoint_sign(actor=SYSTEM)
        last = AuditEvent.objects.order_by("-id").first()
        assert SignedCheckpoint.of(checkpoint).positions()[last.chain] == (last.sequence, last.hash)
        assert verify_log().intact
        # and it cannot touch the log
        _refused("ALTER TABLE workflows_auditevent DISABLE TRIGGER USER", "must be owner")
        _refused("ALTER TABLE workflows_auditcheckpoint DISABLE TRIGGER ALL", "must be owner")
        _refused("DROP TRIGGER workflows_audit_no_delete ON workflows_auditevent", "must be owner")
        _refused("TRUNCATE workflows_auditevent CASCADE", "permission denied")
        _refused("TRUNCATE workflows_auditcheckpoint", "permission denied")
        _refused("TRUNCATE django_content_type CASCADE", "permission denied")  # no cascade into the log
        _refused("DELETE FROM workflows_auditevent WHERE sequence > 1", "permission denied")
        _refused("UPDATE workflows_auditevent SET comment = 'Đã sửa'", "permission denied")
        _refused("DELETE FROM workflows_auditcheckpoint", "permission denied")
        _refused("UPDATE workflows_auditcheckpoint SET hash = repeat('0', 64)", "permission denied")
        _refused("DELETE FROM workflows_auditchainhead", "permission denied")
        _refused(f"ALTER ROLE {app} SUPERUSER", "must be superuser")
        with connection.cursor() as cursor:  # not the owner by membership either
            cursor.execute("SELECT current_user, pg_has_role(current_user, %s, 'MEMBER')", [owner])
            assert cursor.fetchone() == (app, False)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    assert verify_log().intact


def test_the_grant_command_refuses_an_owner_or_a_superuser(db):
    from django.core.management.base import CommandError

    suffix = uuid.uuid4().hex[:10]
    owner = f"tdkt_owner_{suffix}"
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"CREATE ROLE {owner} NOLOGIN")
        cursor.execute(f"ALTER TABLE workflows_auditevent OWNER TO {owner}")
        cursor.execute("SELECT current_user")
        superuser = cursor.fetchone()[0]
    with pytest.raises(CommandError, match="owns tables"):
        call_command("db_grant_app_role", owner)
    with pytest.raises(CommandError, match="superuser"):
        call_command("db_grant_app_role", superuser)
    with pytest.raises(CommandError, match="does not exist"):
        call_command("db_grant_app_role", f"nobody_{suffix}")
