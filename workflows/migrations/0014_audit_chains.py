"""The audit log in several chains (issue 19): every event gets its chain (1 for every event so far, which keeps
its hash: the first chain hashes exactly as before), its sequence is unique within its chain, the head table holds
one row per chain, a checkpoint signs every chain's head, and the outbox cursors keep one position per chain.

On SQLite, altering the event table rebuilds it, which drops its triggers: the append-only triggers of 0002 are
installed again afterwards (on PostgreSQL the table is altered in place and keeps them).
"""

import importlib

from django.conf import settings
from django.db import migrations, models

append_only = importlib.import_module("workflows.migrations.0002_audit_append_only")
guards = importlib.import_module("workflows.migrations.0007_audit_checkpoints")

EVENTS = "workflows_auditevent"
#: 0007's guard, per chain: an event must follow the last event of its own chain
SQLITE_APPEND_AT_END = f"""CREATE TRIGGER workflows_audit_append_at_end BEFORE INSERT ON {EVENTS}
    WHEN NEW.sequence IS NOT COALESCE((SELECT MAX(sequence) FROM {EVENTS} WHERE chain = NEW.chain), 0) + 1
      OR NEW.prev_hash IS NOT COALESCE(
            (SELECT hash FROM {EVENTS} WHERE chain = NEW.chain ORDER BY sequence DESC LIMIT 1), '{"0" * 64}')
      OR EXISTS (SELECT 1 FROM {EVENTS} WHERE id = NEW.id)
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only: an insert must follow the last event'); END;"""


def reinstall_sqlite_audit_triggers(apps, schema_editor):
    """SQLite rebuilt the event and checkpoint tables, dropping their triggers: install 0002's and 0007's again,
    the append-at-end guard now per chain."""
    if schema_editor.connection.vendor == "sqlite":
        for statement in append_only.SQLITE_DOWN + append_only.SQLITE_UP + guards.SQLITE_DOWN:
            schema_editor.execute(statement)
        for statement in guards.SQLITE_UP:
            if "workflows_audit_append_at_end" in statement:
                statement = SQLITE_APPEND_AT_END
            schema_editor.execute(statement)


def cursor_positions(apps, schema_editor):
    OutboxCursor = apps.get_model("workflows", "OutboxCursor")
    for cursor in OutboxCursor.objects.all():
        cursor.positions = {"1": cursor.last_sequence} if cursor.last_sequence else {}
        cursor.save(update_fields=["positions"])


def cursor_last_sequence(apps, schema_editor):
    OutboxCursor = apps.get_model("workflows", "OutboxCursor")
    for cursor in OutboxCursor.objects.all():
        cursor.last_sequence = int((cursor.positions or {}).get("1", 0))
        cursor.save(update_fields=["last_sequence"])


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("workflows", "0013_audit_check_runs_and_mail_delivery"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="auditevent",
            options={
                "ordering": ["id"],
                "verbose_name": "sự kiện kiểm toán",
                "verbose_name_plural": "nhật ký kiểm toán",
            },
        ),
        migrations.RemoveConstraint(model_name="auditchainhead", name="audit_chain_head_single_row"),
        migrations.RemoveConstraint(model_name="auditsubjectlabel", name="audit_subject_label_once"),
        migrations.RemoveIndex(model_name="auditevent", name="audit_subject_idx"),
        migrations.AddField(
            model_name="outboxcursor",
            name="positions",
            field=models.JSONField(default=dict),
        ),
        migrations.RunPython(cursor_positions, cursor_last_sequence),
        migrations.RemoveField(model_name="outboxcursor", name="last_sequence"),
        migrations.AddField(
            model_name="auditcheckpoint",
            name="heads",
            field=models.JSONField(blank=True, default=dict, verbose_name="các chuỗi khác"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="chain",
            field=models.PositiveSmallIntegerField(db_default=1, default=1, verbose_name="chuỗi"),
        ),
        migrations.AddField(
            model_name="auditsubjectlabel",
            name="chain",
            field=models.PositiveSmallIntegerField(db_default=1, default=1),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="sequence",
            field=models.BigIntegerField(verbose_name="số thứ tự"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["subject_type", "subject_id", "id"], name="audit_subject_idx"),
        ),
        migrations.AddConstraint(
            model_name="auditchainhead",
            constraint=models.CheckConstraint(
                condition=models.Q(("id__gte", 1)), name="audit_chain_head_numbered"
            ),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                fields=("chain", "sequence"), name="audit_event_chain_sequence"
            ),
        ),
        migrations.AddConstraint(
            model_name="auditsubjectlabel",
            constraint=models.UniqueConstraint(
                fields=("content_type", "chain", "until_sequence"), name="audit_subject_label_once_per_chain"
            ),
        ),
        migrations.RunPython(reinstall_sqlite_audit_triggers, migrations.RunPython.noop),
    ]
