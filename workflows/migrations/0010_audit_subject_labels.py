"""The label an audited model's events were hashed with before its content type moved to another app
(AuditSubjectLabel; verify_chain reads it). Written when the annual plan's models move to the app `plan`."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("workflows", "0009_api_tokens"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditSubjectLabel",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("label", models.CharField(max_length=201)),
                ("until_sequence", models.BigIntegerField()),
                (
                    "content_type",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="contenttypes.contenttype",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("content_type", "until_sequence"), name="audit_subject_label_once"
                    )
                ],
            },
        ),
    ]
