"""The audit log: hash chain, append-only at the database level, verify_audit finds forgeries."""

import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from tests.testapp.models import Widget
from workflows import audit, engine
from workflows.audit import GENESIS_HASH, verify_chain
from workflows.models import AuditEvent, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(unit, person):
    widget = Widget.objects.create(title="Hồ sơ B", unit=unit)
    engine.perform(widget, "submit", user=person("head", Role.UNIT_HEAD, unit=unit))
    engine.perform(
        widget,
        "return_for_supplement",
        user=person("officer", Role.BOARD_OFFICER),
        data={"comment": "Thiếu biên bản", "deadline": "2023-02-01"},
    )
    return widget


def test_events_form_one_linear_chain(history):
    events = list(AuditEvent.objects.order_by("sequence"))
    assert [e.sequence for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == GENESIS_HASH
    for previous, current in zip(events, events[1:], strict=False):
        assert current.prev_hash == previous.hash


def test_database_refuses_update_of_an_audit_row(history):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE workflows_auditevent SET comment = 'forged' WHERE sequence = 1")


def test_database_refuses_delete_of_an_audit_row(history):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM workflows_auditevent WHERE sequence = 1")


def test_orm_update_and_delete_are_refused_too(history):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(sequence=1).update(verb="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(sequence=1).delete()


def test_verify_audit_passes_on_an_intact_chain(history):
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "intact" in out.getvalue()


def _forge_with_triggers_off(sql: str):
    """Simulate an attacker with DDL rights: drop the guard, forge a row, restore the guard."""
    from importlib import import_module

    migration = import_module("workflows.migrations.0002_audit_append_only")
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for statement in [migration.POSTGRES_DOWN] if postgres else migration.SQLITE_DOWN:
            cursor.execute(statement)
        cursor.execute(sql)
        for statement in [migration.POSTGRES_UP] if postgres else migration.SQLITE_UP:
            cursor.execute(statement)


def test_verify_audit_names_the_first_forged_event(history):
    last = AuditEvent.objects.order_by("-sequence").first()
    _forge_with_triggers_off(
        f"UPDATE workflows_auditevent SET comment = 'Đã đủ' WHERE sequence = {last.sequence}"
    )
    problems = [item for item in verify_chain() if isinstance(item, audit.ChainProblem)]
    assert [p.sequence for p in problems] == [last.sequence]
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_audit", stderr=err)
    assert exit_info.value.code == 1
    assert f"#{last.position}" in err.getvalue()  # "3·12" in chain 3 (AUDIT_CHAINS)


def test_verify_audit_finds_a_deleted_event(history):
    _forge_with_triggers_off("DELETE FROM workflows_auditevent WHERE sequence = 2")
    [problem] = [item for item in verify_chain() if isinstance(item, audit.ChainProblem)]
    assert problem.sequence == 3
    assert "sequence" in problem.reason


def test_verify_audit_finds_an_inserted_forgery(history):
    first = AuditEvent.objects.order_by("sequence").first()
    last = AuditEvent.objects.order_by("-sequence").first()
    AuditEvent.objects.create(
        chain=last.chain,
        sequence=last.sequence + 1,
        subject_type=first.subject_type,
        subject_id=first.subject_id,
        verb="approve",
        source_state="submitted",
        target_state="approved",
        created_at=last.created_at,
        prev_hash=last.hash,
        hash="f" * 64,
    )
    [problem] = [item for item in verify_chain() if isinstance(item, audit.ChainProblem)]
    assert problem.sequence == last.sequence + 1


def test_each_stored_hash_is_the_python_hash_of_its_event(history):
    """On PostgreSQL the database computes the hash inside the append statement; it must be byte for byte
    the hash Python computes over the same canonical JSON (Vietnamese text included)."""
    from workflows.audit import compute_hash, event_payload

    for event in AuditEvent.objects.order_by("sequence"):
        payload = event_payload(
            sequence=event.sequence,
            chain=event.chain,
            subject_type=f"{event.subject_type.app_label}.{event.subject_type.model}",
            subject_id=event.subject_id,
            actor_id=event.actor_id,
            role=event.role,
            on_behalf_of_id=event.on_behalf_of_id,
            verb=event.verb,
            source_state=event.source_state,
            target_state=event.target_state,
            comment=event.comment,
            data=event.data,
            client_ip=event.client_ip,
            created_at=event.created_at,
        )
        assert event.hash == compute_hash(payload, event.prev_hash)
    assert AuditEvent.objects.filter(comment="Thiếu biên bản").exists()
