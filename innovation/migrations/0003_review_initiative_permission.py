from django.db import migrations


class Migration(migrations.Migration):
    """The object grant of the reviewer assigned to an initiative (innovation/policies.py)."""

    dependencies = [
        ("innovation", "0002_evidence_certificates"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="initiative",
            options={
                "ordering": ["round", "pk"],
                "permissions": [("review_initiative", "Chấm sáng kiến được phân công")],
                "verbose_name": "sáng kiến",
                "verbose_name_plural": "sáng kiến",
            },
        ),
    ]
