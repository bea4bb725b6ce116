"""Written votes become records of their own (signed PDF, recorder, second person's decision); the documents
already attached to attendances move to confirmed written votes (they were counted when recorded)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import councils.models


def move_documents(apps, schema_editor):
    Attendance = apps.get_model("councils", "Attendance")
    BallotReceipt = apps.get_model("councils", "BallotReceipt")
    WrittenVote = apps.get_model("councils", "WrittenVote")
    for attendance in Attendance.objects.exclude(written_vote_document="").iterator():
        items = BallotReceipt.objects.filter(
            item__session_id=attendance.session_id, member_id=attendance.member_id, written=True
        ).values_list("item_id", flat=True)
        WrittenVote.objects.create(
            session_id=attendance.session_id,
            member_id=attendance.member_id,
            status="confirmed",
            item_ids=sorted(items),
            document=attendance.written_vote_document.name,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("councils", "0002_sealed_ballots"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="WrittenVote",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "status",
                    models.CharField(
                        choices=[("pending", "Chờ xác nhận"), ("confirmed", "Đã xác nhận"), ("rejected", "Đã trả lại")],
                        default="pending",
                        max_length=20,
                        verbose_name="tình trạng",
                    ),
                ),
                ("item_ids", models.JSONField(default=list, verbose_name="các mục có phiếu")),
                ("sealed_choices", models.BinaryField(blank=True, null=True)),
                (
                    "document",
                    models.FileField(
                        upload_to=councils.models.written_vote_path, verbose_name="văn bản gửi phiếu (PDF có chữ ký)"
                    ),
                ),
                ("document_sha256", models.CharField(blank=True, max_length=64)),
                ("reject_reason", models.CharField(blank=True, max_length=500, verbose_name="lý do trả lại")),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "member",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="thành viên",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "session",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="written_votes",
                        to="councils.session",
                    ),
                ),
            ],
            options={
                "verbose_name": "phiếu bằng văn bản",
                "verbose_name_plural": "phiếu bằng văn bản",
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("status__in", ["pending", "confirmed"])),
                        fields=("session", "member"),
                        name="written_vote_once_per_member",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("decided_by__isnull", True),
                            models.Q(("decided_by", models.F("recorded_by")), _negated=True),
                            _connector="OR",
                        ),
                        name="written_vote_decided_by_a_second_person",
                    ),
                ],
            },
        ),
        migrations.RunPython(move_documents, migrations.RunPython.noop, elidable=False),
        migrations.RemoveField(model_name="attendance", name="written_vote_document"),
    ]
