"""Role grants need a second person for city-wide and council roles; ending a membership takes effect at once.

- proposed_by / approved_by / approved_at: a membership gives power only once approved. Existing rows were
  granted under the old one-person rule: they are marked approved (at the migration's time, by nobody), so
  nobody loses a role by upgrading; review them on the role-grant page.
- ended_at: the moment a membership was ended; from then on it gives no power, whatever its dates say.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def approve_existing(apps, schema_editor):
    Membership = apps.get_model("workflows", "Membership")
    Membership.objects.filter(approved_at__isnull=True).update(approved_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0007_audit_checkpoints"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="proposed_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="người đề xuất",
            ),
        ),
        migrations.AddField(
            model_name="membership",
            name="approved_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="người phê duyệt",
            ),
        ),
        migrations.AddField(
            model_name="membership",
            name="approved_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="phê duyệt lúc"),
        ),
        migrations.AddField(
            model_name="membership",
            name="ended_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="kết thúc lúc"),
        ),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("approved_by__isnull", True),
                    models.Q(("approved_by", models.F("user")), _negated=True),
                    _connector="OR",
                ),
                name="membership_not_self_approved",
            ),
        ),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("approved_by__isnull", True),
                    ("proposed_by__isnull", True),
                    models.Q(("approved_by", models.F("proposed_by")), _negated=True),
                    _connector="OR",
                ),
                name="membership_two_people",
            ),
        ),
        migrations.RunPython(approve_existing, migrations.RunPython.noop),
    ]
