"""API tokens of our own (hashed, expiring, revocable), replacing rest_framework.authtoken's plaintext keys.

The old authtoken table may stay in the database: nothing reads it any more, so its keys no longer work.
Depends on 0008_membership_approval (developed at the same time) so that the graph stays linear.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0008_membership_approval"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ApiToken",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "key_hash",
                    models.CharField(
                        editable=False, max_length=64, unique=True, verbose_name="mã băm SHA-256 của khóa"
                    ),
                ),
                ("prefix", models.CharField(editable=False, max_length=8, verbose_name="tiền tố")),
                ("name", models.CharField(blank=True, max_length=100, verbose_name="ứng dụng")),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, editable=False, verbose_name="tạo lúc"
                    ),
                ),
                ("expires_at", models.DateTimeField(verbose_name="hết hạn lúc")),
                ("last_used_at", models.DateTimeField(blank=True, null=True, verbose_name="dùng lần cuối")),
                ("revoked_at", models.DateTimeField(blank=True, null=True, verbose_name="thu hồi lúc")),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="api_tokens",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="người dùng",
                    ),
                ),
            ],
            options={
                "verbose_name": "mã truy cập API",
                "verbose_name_plural": "mã truy cập API",
                "indexes": [models.Index(fields=["user", "revoked_at"], name="apitoken_user_revoked")],
            },
        ),
    ]
