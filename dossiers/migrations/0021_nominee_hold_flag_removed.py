"""Issue 16: a hold is a dated record the Board creates and lifts through audited services (NomineeHold), not a
flag changed on the admin's change page. A nominee still flagged `on_hold` becomes a hold in force from the
day of the upgrade, naming the flag's reason as its source, recorded in the audit chain (verb hold_create,
actor: the system), before the two columns go."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def _kind(reason: str) -> str:
    text = reason.casefold()
    if "kỷ luật" in text:
        return "discipline"
    if "khiếu nại" in text or "tố cáo" in text:
        return "complaint"
    if "báo" in text:
        return "press"
    return "inspection"


def flags_to_holds(apps, schema_editor):
    Nominee = apps.get_model("dossiers", "Nominee")
    NomineeHold = apps.get_model("dossiers", "NomineeHold")
    flagged = list(Nominee.objects.filter(on_hold=True).order_by("pk"))
    if not flagged:
        return
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    recorder = User.objects.filter(is_superuser=True).order_by("pk").first() or User.objects.order_by("pk").first()
    from workflows import audit

    today = timezone.localdate()
    for nominee in flagged:
        reason = (nominee.hold_reason or "").strip()
        source = reason or "Cờ «đang bị kỷ luật, thanh tra hoặc khiếu nại» trước khi có bản ghi tạm dừng"
        hold = NomineeHold.objects.create(
            nominee_id=nominee.pk,
            kind=_kind(reason),
            starts_on=today,
            source_document=source[:500],
            note="Chuyển từ cờ cũ của đối tượng khi nâng cấp (issue 16)",
            created_by_id=recorder.pk,
        )
        audit.record(
            subject=nominee,  # the historical model: audit.record reads only its content type and pk
            actor=audit.SYSTEM,
            verb="hold_create",
            data={
                "hold": hold.pk,
                "kind": hold.kind,
                "starts_on": today.isoformat(),
                "ends_on": None,
                "source_document": hold.source_document,
                "note": hold.note,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0020_hiep_y_required_agencies"),
        ("workflows", "__latest__"),
    ]

    operations = [
        migrations.RunPython(flags_to_holds, migrations.RunPython.noop),
        migrations.RemoveField(model_name="nominee", name="hold_reason"),
        migrations.RemoveField(model_name="nominee", name="on_hold"),
    ]
