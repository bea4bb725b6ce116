"""Issue 12, item 3: the audit log cannot be rewritten, truncated or wiped unnoticed.

Each attack of the issue, as someone with write access to the database (but not the signing key) would make
it, and verify_audit failing and naming what it found. Runs on SQLite and PostgreSQL; the attacks that need
PostgreSQL's owner rights (DISABLE TRIGGER, TRUNCATE … CASCADE) and the database roles are in
tests/reliability/test_audit_roles.py.

The events of a test all go to the chain of its thread (audit.chain_for_connection(): chain 1 with one chain,
any chain with AUDIT_CHAINS=8), so the events are named by their position in it (here(), at()); the attacks
on a log of several chains are in tests/workflows/test_audit_chains.py.
"""

from __future__ import annotations

import base64
import io
import json
from datetime import timedelta
from importlib import import_module
from unittest import mock

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from tests.testapp.models import Widget
from workflows import audit, checkpoints
from workflows.audit import SYSTEM, compute_hash, event_payload, verify_chain
from workflows.checkpoints import (
    CheckpointError,
    SignedCheckpoint,
    audit_checkpoint_sign,
    checkpoint_message,
    position,
    verify_log,
)
from workflows.models import AuditChainHead, AuditCheckpoint, AuditEvent, Role

pytestmark = pytest.mark.django_db

EVENTS = 30


@pytest.fixture
def checkpoint_dir(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_DIR = str(tmp_path / "checkpoints")
    return tmp_path / "checkpoints"


@pytest.fixture
def chain(unit):
    """EVENTS events on one widget, written by record() as the engine writes them."""
    widget = Widget.objects.create(title="Hồ sơ khen thưởng", unit=unit)
    for number in range(1, EVENTS + 1):
        with transaction.atomic():
            audit.record(subject=widget, actor=SYSTEM, verb="note", comment=f"Ghi chú {number}")
    return widget


def here() -> int:
    """The chain this test's events are appended to."""
    return audit.chain_for_connection()


def at(sequence: int, chain: int | None = None) -> str:
    """An event's number as the messages write it: "12" in chain 1, "3·12" in chain 3."""
    return position(here() if chain is None else chain, sequence)


def signed_head(checkpoint, chain: int | None = None) -> tuple[int, str]:
    """A checkpoint's signed (sequence, hash) for a chain (this test's by default)."""
    return SignedCheckpoint.of(checkpoint).positions().get(here() if chain is None else chain, (0, ""))


def _guards():
    return import_module("workflows.migrations.0002_audit_append_only"), import_module(
        "workflows.migrations.0007_audit_checkpoints"
    )


def _sqlite_guards_up(new) -> list[str]:
    """0007's SQLite guards as 0014 installed them: the append-at-end guard per chain."""
    chains = import_module("workflows.migrations.0014_audit_chains")
    return [
        chains.SQLITE_APPEND_AT_END if "workflows_audit_append_at_end" in statement else statement
        for statement in new.SQLITE_UP
    ]


def as_attacker(*statements):
    """An attacker with DDL rights on the database (anyone holding the SQLite file, PostgreSQL's table owner):
    drop the guards, run the statements, put the guards back."""
    old, new = _guards()
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for statement in (
            [old.POSTGRES_DOWN, new.POSTGRES_DOWN] if postgres else old.SQLITE_DOWN + new.SQLITE_DOWN
        ):
            cursor.execute(statement)
        for statement in statements:
            if callable(statement):
                statement(cursor)
            else:
                cursor.execute(statement)
        for statement in (
            [old.POSTGRES_UP, new.POSTGRES_UP] if postgres else old.SQLITE_UP + _sqlite_guards_up(new)
        ):
            cursor.execute(statement)


def _payload(event: AuditEvent, **changes) -> dict:
    fields = {
        "sequence": event.sequence,
        "chain": event.chain,
        "subject_type": f"{event.subject_type.app_label}.{event.subject_type.model}",
        "subject_id": event.subject_id,
        "actor_id": event.actor_id,
        "role": event.role,
        "on_behalf_of_id": event.on_behalf_of_id,
        "verb": event.verb,
        "source_state": event.source_state,
        "target_state": event.target_state,
        "comment": event.comment,
        "data": event.data,
        "client_ip": event.client_ip,
        "created_at": event.created_at,
    }
    fields.update(changes)
    return event_payload(**fields)


def rechain_from(first: int, comment: str = "Đã sửa", chain: int | None = None):
    """Rewrite every event from `first` on with a new comment and recompute the hashes (and the head), so that
    the hash chain alone is intact again: the attack the issue ran on events 100–577. In this test's chain, or
    in `chain`."""

    chain = here() if chain is None else chain

    def rewrite(cursor):
        events = AuditEvent.objects.filter(chain=chain)
        previous = events.get(sequence=first - 1).hash if first > 1 else audit.GENESIS_HASH
        for event in events.filter(sequence__gte=first).order_by("sequence"):
            digest = compute_hash(_payload(event, comment=comment), previous)
            cursor.execute(
                "UPDATE workflows_auditevent SET comment = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [comment, previous, digest, event.pk],
            )
            previous = digest
        cursor.execute("UPDATE workflows_auditchainhead SET hash = %s WHERE id = %s", [previous, chain])

    as_attacker(rewrite)


def codes(report) -> list[str]:
    return [problem.code for problem in report.problems]


def verify_audit_fails() -> str:
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_audit", "--workers", "1", stderr=err, stdout=io.StringIO())
    assert exit_info.value.code == 1
    return err.getvalue()


# --- (c) the database refuses to rewrite in place -----------------------------------------------------


def test_insert_or_replace_of_an_existing_event_is_refused(chain):
    """SQLite: INSERT OR REPLACE deletes the old row without firing the DELETE trigger; the BEFORE INSERT
    trigger refuses it first. PostgreSQL's form of the same attack, ON CONFLICT DO UPDATE, meets the UPDATE
    trigger. Either way the event stays as it was."""
    event = AuditEvent.objects.get(chain=here(), sequence=10)
    forged_hash = compute_hash(_payload(event, comment="Đã sửa"), event.prev_hash)
    columns = "id, chain, sequence, subject_type_id, subject_id, verb, role, source_state, target_state, comment, data, created_at, prev_hash, hash"
    values = [
        event.pk,
        event.chain,
        event.sequence,
        event.subject_type_id,
        event.subject_id,
        event.verb,
        event.role,
        "",
        "",
        "Đã sửa",
        json.dumps(event.data),
        connection.ops.adapt_datetimefield_value(event.created_at),
        event.prev_hash,
        forged_hash,
    ]
    placeholders = ", ".join(["%s"] * len(values))
    if connection.vendor == "sqlite":
        attacks = [
            f"INSERT OR REPLACE INTO workflows_auditevent ({columns}) VALUES ({placeholders})",
            f"REPLACE INTO workflows_auditevent ({columns}) VALUES ({placeholders})",
        ]
    else:
        attacks = [
            f"INSERT INTO workflows_auditevent ({columns}) VALUES ({placeholders}) "
            "ON CONFLICT (chain, sequence) DO UPDATE SET comment = EXCLUDED.comment, hash = EXCLUDED.hash"
        ]
    for sql in attacks:
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, values)
    event.refresh_from_db()
    assert event.comment == "Ghi chú 10" and event.hash != forged_hash
    assert verify_log().intact


class Undo(Exception):
    pass


def test_an_event_that_does_not_follow_the_last_one_is_refused_or_named(chain):
    """SQLite's BEFORE INSERT trigger refuses a sequence that skips ahead, a stale prev_hash, a reused id.
    PostgreSQL adds no trigger to the append (one statement per transition): a reused id collides with the
    primary key, and what it lets in, verify_audit names."""
    last = AuditEvent.objects.order_by("-sequence").first()
    base = {
        "chain": last.chain,
        "subject_type_id": last.subject_type_id,
        "subject_id": last.subject_id,
        "verb": "note",
        "created_at": connection.ops.adapt_datetimefield_value(last.created_at),
        "hash": "f" * 64,
    }
    verb = "INSERT OR REPLACE" if connection.vendor == "sqlite" else "INSERT"
    for extra in (
        {"sequence": last.sequence + 2, "prev_hash": last.hash},
        {"sequence": last.sequence + 1, "prev_hash": last.prev_hash},
        {"sequence": last.sequence + 1, "prev_hash": last.hash, "id": 1},
    ):
        row = {**base, **extra}
        sql = (
            f"{verb} INTO workflows_auditevent (role, source_state, target_state, comment, data, {', '.join(row)}) "
            f"VALUES ('', '', '', '', '{{}}', {', '.join(['%s'] * len(row))})"
        )
        if connection.vendor == "sqlite":
            with pytest.raises(DatabaseError, match="must follow the last event"), transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(sql, list(row.values()))
            continue
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(sql, list(row.values()))
                assert not verify_log().intact
                raise Undo
        except (Undo, DatabaseError):
            pass
    assert AuditEvent.objects.count() == EVENTS
    # record() still appends (it advances the head, then inserts the successor)
    with transaction.atomic():
        audit.record(subject=chain, actor=SYSTEM, verb="note")
    assert verify_log().intact


# --- (a) the tail and the head ---------------------------------------------------------------------------


def test_deleting_the_tail_fails_as_a_missing_tail(chain):
    """The issue: "deleting the last 20 events passes (intact: 557 while the chain head says 577)"."""
    as_attacker(f"DELETE FROM workflows_auditevent WHERE sequence > {EVENTS - 5}")
    assert not [p for p in verify_chain() if isinstance(p, audit.ChainProblem)]  # the walk alone passes
    report = verify_log()
    assert codes(report) == ["missing_tail"]
    assert f"the chain head is at event #{at(EVENTS)}" in report.problems[0].reason
    assert f"ends at #{at(EVENTS - 5)} (5 events missing)" in report.problems[0].reason
    assert "mất phần cuối" in report.problems[0].label
    assert "missing tail" in verify_audit_fails()


def test_deleting_the_tail_and_moving_the_head_back_fails_at_the_checkpoint(chain, checkpoint_dir):
    audit_checkpoint_sign(actor=SYSTEM)
    as_attacker(f"DELETE FROM workflows_auditevent WHERE sequence > {EVENTS - 5}")
    audit.sync_chain_head()  # the head now agrees with the shortened log
    report = verify_log()
    assert codes(report) == ["missing_tail"]
    assert "the checkpoint signed at" in report.problems[0].reason
    assert f"is at event #{at(EVENTS)} but the log ends at #{at(EVENTS - 5)}" in report.problems[0].reason


def test_a_replaced_last_event_fails_on_the_head_hash(chain):
    last = AuditEvent.objects.order_by("-sequence").first()
    digest = compute_hash(_payload(last, comment="Đã sửa"), last.prev_hash)
    as_attacker(f"UPDATE workflows_auditevent SET comment = 'Đã sửa', hash = '{digest}' WHERE id = {last.pk}")
    assert codes(verify_log()) == ["head_hash"]


def test_an_empty_log_where_there_were_events_fails(chain):
    as_attacker("DELETE FROM workflows_auditevent")
    report = verify_log()
    assert codes(report) == ["empty_log"]
    emptied = "empty log" if here() == 1 else f"chain {here()} is empty"
    assert (
        report.problems[0].reason
        == f"{emptied} where there were events: the chain head is at event #{at(EVENTS)}"
    )
    assert f"{emptied} where there were events" in verify_audit_fails()


def test_a_wiped_log_head_and_checkpoint_table_fail_by_the_checkpoint_files(chain, checkpoint_dir):
    """Everything in the database gone: the files outside it still say there were events."""
    audit_checkpoint_sign(actor=SYSTEM)
    as_attacker(
        "DELETE FROM workflows_auditevent",
        "DELETE FROM workflows_auditcheckpoint",
        "DELETE FROM workflows_auditchainhead",
    )
    report = verify_log()
    assert codes(report) == ["file_not_in_database", "empty_log"]
    assert "the checkpoint signed at" in report.problems[1].reason
    out = verify_audit_fails()
    assert "missing from the database" in out and "empty where there were events" in out.replace(" log ", " ")


# --- (b) signed checkpoints ------------------------------------------------------------------------------


def test_a_recomputed_chain_passes_the_walk_but_fails_at_the_signed_checkpoint(chain, checkpoint_dir):
    """The issue: "re-chaining events 100–577 with recomputed SHA-256 passes"."""
    checkpoint = audit_checkpoint_sign(actor=SYSTEM)
    rechain_from(10)
    assert not [p for p in verify_chain() if isinstance(p, audit.ChainProblem)]  # the chain is consistent
    report = verify_log()
    assert codes(report) == ["rewritten"]
    assert report.problems[0].params["sequence"] == signed_head(checkpoint)[0]
    assert "(the chain was rewritten or recomputed)" in report.problems[0].reason
    assert (
        f"event #{at(signed_head(checkpoint)[0])} does not match the checkpoint signed at"
        in verify_audit_fails()
    )


def test_an_attacker_cannot_re_sign_a_recomputed_chain(chain, checkpoint_dir):
    """Without the key, the attacker signs with a key of his own: verify_audit trusts only configured keys
    (never one from the database), and the original checkpoint still fails."""
    audit_checkpoint_sign(actor=SYSTEM)
    rechain_from(5)
    last = AuditEvent.objects.order_by("-sequence").first()
    own_key = Ed25519PrivateKey.generate()
    when = last.created_at
    signature = base64.b64encode(own_key.sign(checkpoint_message(last.sequence, last.hash, when))).decode()
    as_attacker(
        lambda cursor: AuditCheckpoint.objects.create(
            sequence=last.sequence,
            hash=last.hash,
            signed_at=when,
            key_id=checkpoints.key_id(own_key.public_key()),
            signature=signature,
        )
    )
    assert sorted(codes(verify_log())) == ["rewritten", "unknown_key"]


def test_a_forged_signature_fails(chain, checkpoint_dir):
    checkpoint = audit_checkpoint_sign(actor=SYSTEM)
    rechain_from(5)
    last = AuditEvent.objects.order_by("-sequence").first()
    as_attacker(
        lambda cursor: cursor.execute(
            "UPDATE workflows_auditcheckpoint SET hash = %s WHERE id = %s", [last.hash, checkpoint.pk]
        )
    )
    report = verify_log()
    assert "bad_signature" in codes(report)
    bad = next(p for p in report.problems if p.code == "bad_signature")
    assert "(database) has a forged signature" in bad.reason
    assert "has a forged signature" in verify_audit_fails()


def test_a_checkpoint_file_that_differs_from_the_database_fails(chain, checkpoint_dir):
    audit_checkpoint_sign(actor=SYSTEM)
    [path] = checkpoint_dir.glob("checkpoint-*.json")
    content = json.loads(path.read_text())
    if here() == 1:
        content["hash"] = "f" * 64
    else:  # this test's chain is among the other chains' heads
        content["heads"][str(here())][1] = "f" * 64
    path.write_text(json.dumps(content))
    (checkpoint_dir / "checkpoint-broken.json").write_text("not json")
    assert sorted(codes(verify_log())) == ["bad_signature", "file_not_in_database", "unreadable_file"]


def test_checkpoints_are_append_only(chain, checkpoint_dir):
    checkpoint = audit_checkpoint_sign(actor=SYSTEM)
    for sql in (
        f"UPDATE workflows_auditcheckpoint SET sequence = 1 WHERE id = {checkpoint.pk}",
        f"DELETE FROM workflows_auditcheckpoint WHERE id = {checkpoint.pk}",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert signed_head(AuditCheckpoint.objects.get(pk=checkpoint.pk))[0] == EVENTS


def test_signing_stores_the_checkpoint_in_the_database_and_in_a_file(chain, checkpoint_dir, settings):
    checkpoint = audit_checkpoint_sign(actor=SYSTEM)
    last = AuditEvent.objects.order_by("-id").first()
    assert signed_head(checkpoint, last.chain) == (last.sequence, last.hash)
    [path] = checkpoint_dir.glob("checkpoint-*.json")
    stored = json.loads(path.read_text())
    assert stored == checkpoints.SignedCheckpoint.of(checkpoint).as_json()
    # the signature verifies with the public key alone (a verifying machine without the private key)
    public = checkpoints.signing_key().public_key()
    settings.AUDIT_VERIFY_KEYS = [base64.b64encode(checkpoints.raw_public_key(public)).decode()]
    settings.AUDIT_SIGNING_KEY = ""
    report = verify_log()
    assert report.intact and report.checkpoints == report.checkpoint_files == 1
    assert not AuditEvent.objects.filter(pk__gt=last.pk).exists()  # signing records no event


def test_signing_refuses_without_key_or_directory_on_an_empty_log_and_on_a_tampered_chain(
    db, unit, checkpoint_dir, settings
):
    with pytest.raises(CheckpointError, match="no event to sign"):
        audit_checkpoint_sign(actor=SYSTEM)
    widget = Widget.objects.create(title="Hồ sơ", unit=unit)
    with transaction.atomic():
        audit.record(subject=widget, actor=SYSTEM, verb="note")
    first = audit_checkpoint_sign(actor=SYSTEM)
    for _ in range(3):
        with transaction.atomic():
            audit.record(subject=widget, actor=SYSTEM, verb="note")
    as_attacker(f"UPDATE workflows_auditevent SET comment = 'Đã sửa' WHERE chain = {here()} AND sequence = 3")
    with pytest.raises(CheckpointError, match=f"does not verify at event #{at(3)}") as refused:
        audit_checkpoint_sign(actor=SYSTEM)
    assert f"chuỗi bị phá vỡ tại sự kiện #{at(3)}" in refused.value.label
    assert list(AuditCheckpoint.objects.all()) == [first]
    settings.AUDIT_CHECKPOINT_DIR = ""
    with pytest.raises(CheckpointError, match="AUDIT_CHECKPOINT_DIR"):
        audit_checkpoint_sign(actor=SYSTEM)
    settings.AUDIT_SIGNING_KEY = ""
    with pytest.raises(CheckpointError, match="AUDIT_SIGNING_KEY is not set"):
        audit_checkpoint_sign(actor=SYSTEM)


def test_the_beat_task_signs_hourly_only_when_the_head_moved(chain, checkpoint_dir, settings):
    from workflows.tasks import sign_audit_checkpoint

    assert settings.CELERY_BEAT_SCHEDULE["audit-checkpoint"] == {
        "task": "workflows.tasks.sign_audit_checkpoint",
        "schedule": 3600.0,
    }
    assert sign_audit_checkpoint() == EVENTS
    assert sign_audit_checkpoint() is None
    with transaction.atomic():
        audit.record(subject=chain, actor=SYSTEM, verb="note")
    assert sign_audit_checkpoint() == EVENTS + 1
    assert AuditCheckpoint.objects.count() == 2
    assert verify_log().intact


def test_audit_checkpoint_command_signs_and_prints_json_and_makes_keys(chain, checkpoint_dir, settings):
    out = io.StringIO()
    call_command("audit_checkpoint", stdout=out)
    printed = json.loads(out.getvalue())
    assert printed == SignedCheckpoint.of(AuditCheckpoint.objects.get()).as_json()
    assert signed_head(AuditCheckpoint.objects.get())[0] == EVENTS
    out = io.StringIO()
    call_command("audit_checkpoint", "--new-key", stdout=out)
    private_line, public_line = out.getvalue().split()
    settings.AUDIT_SIGNING_KEY = private_line.removeprefix("AUDIT_SIGNING_KEY=")
    assert len(base64.b64decode(public_line.removeprefix("AUDIT_VERIFY_KEYS="))) == 32
    # the old checkpoint was signed by a key that is no longer configured: named, not silently trusted
    assert codes(verify_log()) == ["unknown_key"]


def test_verify_audit_reports_checkpoints_when_intact(chain, checkpoint_dir):
    audit_checkpoint_sign(actor=SYSTEM)
    out = io.StringIO()
    call_command("verify_audit", "--workers", "1", stdout=out)
    assert f"Audit chain intact: {EVENTS} events verified" in out.getvalue()
    assert f"1 checkpoints verified, the latest at event #{at(EVENTS)}" in out.getvalue()


def test_deploy_check_requires_a_real_key_and_a_directory(settings):
    from workflows.checks import audit_checkpoints_configured, audit_keys_readable

    settings.AUDIT_SIGNING_KEY, settings.AUDIT_CHECKPOINT_DIR = "", ""
    assert {e.id for e in audit_checkpoints_configured()} == {"workflows.E102", "workflows.E104"}
    settings.AUDIT_SIGNING_KEY = base64.b64encode(b"k" * 32).decode()
    settings.AUDIT_SIGNING_KEY_IS_DEVELOPMENT = True
    assert {e.id for e in audit_checkpoints_configured()} == {"workflows.E103", "workflows.E104"}
    settings.AUDIT_SIGNING_KEY_IS_DEVELOPMENT = False
    settings.AUDIT_CHECKPOINT_DIR = "/srv/tdkt/audit-checkpoints"
    assert audit_checkpoints_configured() == []
    settings.AUDIT_VERIFY_KEYS = ["not a key"]
    assert [e.id for e in audit_keys_readable()] == ["workflows.E101"]


# --- the auditor's page ----------------------------------------------------------------------------------


def test_auditor_page_signs_a_checkpoint_and_shows_it_to_copy(client, chain, checkpoint_dir, person):
    auditor = person("auditor", Role.AUDITOR)
    client.force_login(auditor)
    response = client.post("/kiem-tra-nhat-ky/", {"action": "sign"})
    assert response.status_code == 302
    checkpoint = AuditCheckpoint.objects.get()
    last = AuditEvent.objects.order_by("-id").first()  # granting the role was audited too
    assert checkpoint.requested_by == auditor
    assert signed_head(checkpoint, last.chain) == (last.sequence, last.hash)
    page = client.get("/kiem-tra-nhat-ky/").content.decode()
    if checkpoint.heads:  # several chains: each one's signed event
        assert f"Đã ký điểm kiểm chứng tại các sự kiện #{at(last.sequence, last.chain)}" in page
    else:
        assert f"Đã ký điểm kiểm chứng tại sự kiện #{last.sequence}." in page
    assert checkpoint.signature in page and last.hash in page
    assert (
        json.dumps(checkpoints.SignedCheckpoint.of(checkpoint).as_json(), sort_keys=True).replace(
            '"', "&quot;"
        )
        in page
    )
    result = client.post("/kiem-tra-nhat-ky/", {"action": "verify"}, follow=True).content.decode()
    assert "Nhật ký toàn vẹn." in result and "1 điểm kiểm chứng" in result


def test_auditor_page_names_each_problem_in_vietnamese(client, chain, checkpoint_dir, person):
    audit_checkpoint_sign(actor=SYSTEM)
    rechain_from(3)
    auditor = person("auditor", Role.AUDITOR)
    client.force_login(auditor)
    page = client.post("/kiem-tra-nhat-ky/", {"action": "verify"}, follow=True).content.decode()
    assert "Nhật ký không toàn vẹn" in page
    assert f"sự kiện #{at(EVENTS)} không khớp điểm kiểm chứng ký lúc" in page


def test_auditor_page_refuses_signing_without_configuration_and_others_entirely(
    client, chain, person, unit, settings
):
    auditor, officer = person("auditor", Role.AUDITOR), person("officer", Role.UNIT_OFFICER, unit=unit)
    head = AuditChainHead.objects.get().sequence
    client.force_login(auditor)
    response = client.post("/kiem-tra-nhat-ky/", {"action": "sign"}, follow=True)
    assert "Không ký được điểm kiểm chứng" in response.content.decode()
    assert not AuditCheckpoint.objects.exists()
    client.force_login(officer)
    assert client.post("/kiem-tra-nhat-ky/", {"action": "sign"}).status_code == 403
    assert client.get("/kiem-tra-nhat-ky/").status_code == 403
    assert not AuditCheckpoint.objects.exists()
    assert AuditChainHead.objects.get().sequence == head


def test_verify_audit_warns_about_the_development_key_a_missing_or_a_stale_checkpoint(
    chain, checkpoint_dir, settings
):
    settings.AUDIT_SIGNING_KEY_IS_DEVELOPMENT = True
    report = verify_log()
    assert report.intact and [w.code for w in report.warnings] == ["development_key", "no_checkpoint"]
    settings.AUDIT_SIGNING_KEY_IS_DEVELOPMENT = False
    checkpoint = audit_checkpoint_sign(actor=SYSTEM)
    assert verify_log().warnings == []
    later = timezone.now() + timedelta(hours=3)
    with mock.patch("workflows.checkpoints.timezone.now", return_value=later):
        [warning] = verify_log().warnings
    assert warning.code == "stale_checkpoint" and "is the beat task running?" in warning.reason
    assert checkpoint.signed_at < later
