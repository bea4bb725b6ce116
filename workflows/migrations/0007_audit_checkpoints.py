"""Signed audit checkpoints, and database guards that make rewriting, truncating or wiping the log harder.

- AuditCheckpoint: append-only like the events (UPDATE and DELETE refused by triggers on both databases).
- SQLite: a BEFORE INSERT trigger refuses an event that is not the successor of the chain's last event
  (sequence = last + 1, prev_hash = last hash, a new id). `INSERT OR REPLACE` of an existing event fires the
  BEFORE INSERT trigger before its REPLACE deletes the old row (which skips DELETE triggers unless
  recursive_triggers is on), so it is refused.
- PostgreSQL: no TRUNCATE trigger (TRUNCATE fires no row trigger, and Django's flush between transactional
  tests is a TRUNCATE); the owner could disable any trigger anyway. What stops TRUNCATE, DELETE and
  DISABLE TRIGGER is the role: the application runs as a role that does not own the tables and has no
  TRUNCATE, UPDATE or DELETE right on them (docs/operations.md, `manage.py db_grant_app_role`).

No trigger is added on PostgreSQL inserts: the transition's hot path stays one statement.
On SQLite any later AlterField of AuditEvent rebuilds the table and drops its triggers: reinstall them
afterwards, as 0005 does.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

EVENTS = "workflows_auditevent"
CHECKPOINTS = "workflows_auditcheckpoint"

SQLITE_UP = [
    f"""CREATE TRIGGER workflows_audit_append_at_end BEFORE INSERT ON {EVENTS}
        WHEN NEW.sequence IS NOT COALESCE((SELECT MAX(sequence) FROM {EVENTS}), 0) + 1
          OR NEW.prev_hash IS NOT COALESCE(
                (SELECT hash FROM {EVENTS} ORDER BY sequence DESC LIMIT 1), '{"0" * 64}')
          OR EXISTS (SELECT 1 FROM {EVENTS} WHERE id = NEW.id)
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only: an insert must follow the last event'); END;""",
    f"""CREATE TRIGGER workflows_checkpoint_no_update BEFORE UPDATE ON {CHECKPOINTS}
        BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only: UPDATE refused on {CHECKPOINTS}'); END;""",
    f"""CREATE TRIGGER workflows_checkpoint_no_delete BEFORE DELETE ON {CHECKPOINTS}
        BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only: DELETE refused on {CHECKPOINTS}'); END;""",
    f"""CREATE TRIGGER workflows_checkpoint_no_replace BEFORE INSERT ON {CHECKPOINTS}
        WHEN EXISTS (SELECT 1 FROM {CHECKPOINTS} WHERE id = NEW.id)
        BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only: REPLACE refused on {CHECKPOINTS}'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS workflows_audit_append_at_end;",
    "DROP TRIGGER IF EXISTS workflows_checkpoint_no_update;",
    "DROP TRIGGER IF EXISTS workflows_checkpoint_no_delete;",
    "DROP TRIGGER IF EXISTS workflows_checkpoint_no_replace;",
]
# A function of its own (not 0002's): each migration's guards can be dropped and reinstalled alone.
POSTGRES_UP = f"""
CREATE OR REPLACE FUNCTION workflows_audit_guard() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'the audit log is append-only: ' || TG_OP || ' refused on ' || TG_TABLE_NAME,
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER workflows_checkpoint_no_update BEFORE UPDATE ON {CHECKPOINTS}
    FOR EACH ROW EXECUTE FUNCTION workflows_audit_guard();
CREATE TRIGGER workflows_checkpoint_no_delete BEFORE DELETE ON {CHECKPOINTS}
    FOR EACH ROW EXECUTE FUNCTION workflows_audit_guard();
"""
POSTGRES_DOWN = f"""
DROP TRIGGER IF EXISTS workflows_checkpoint_no_update ON {CHECKPOINTS};
DROP TRIGGER IF EXISTS workflows_checkpoint_no_delete ON {CHECKPOINTS};
DROP FUNCTION IF EXISTS workflows_audit_guard();
"""


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)
    else:
        raise RuntimeError(f"no audit triggers for database vendor {vendor!r}")


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)
    elif vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0006_audit_head_prev_hash"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("sequence", models.BigIntegerField(verbose_name="đến sự kiện số")),
                ("hash", models.CharField(max_length=64, verbose_name="mã băm của sự kiện")),
                ("signed_at", models.DateTimeField(verbose_name="thời điểm ký")),
                ("key_id", models.CharField(max_length=16, verbose_name="mã khóa")),
                ("signature", models.CharField(max_length=88, verbose_name="chữ ký Ed25519")),
                (
                    "requested_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="người yêu cầu",
                    ),
                ),
            ],
            options={
                "verbose_name": "điểm kiểm chứng nhật ký",
                "verbose_name_plural": "điểm kiểm chứng nhật ký",
                "ordering": ["-signed_at"],
                "indexes": [models.Index(fields=["signed_at"], name="workflows_checkpoint_signed")],
            },
        ),
        migrations.RunPython(install, remove),
    ]
