"""Fewer indexes on the audit table: each one costs every append (docs/benchmarks.md).

On SQLite, AlterField rebuilds the table, which drops its triggers: the append-only triggers of 0002 are
installed again afterwards (on PostgreSQL the table is altered in place and keeps them).
"""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

append_only = importlib.import_module("workflows.migrations.0002_audit_append_only")


def reinstall_sqlite_audit_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in append_only.SQLITE_DOWN + append_only.SQLITE_UP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("workflows", "0004_audit_chain_head_and_outbox"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(max_length=64),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="on_behalf_of",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="thay mặt",
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="subject_type",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contenttypes.contenttype",
            ),
        ),
        migrations.RunPython(reinstall_sqlite_audit_triggers, migrations.RunPython.noop),
    ]
