"""The content types of the moved models follow them: "workflows.activity" becomes "plan.activity" (same row,
same id), so audit events, notifications' subjects, linked processes and django-guardian grants that point at
them keep pointing at them.

An audit event's hash covers its subject's label ("workflows.activity:12"); the events recorded before the
move keep verifying because workflows.audit.relabel_subject_type() records, under the chain head's lock, the
label they were hashed with and the last sequence it applies to (workflows.AuditSubjectLabel), which
verify_chain reads. Reversible while no event has been recorded under the new labels."""

from django.db import migrations

MODELS = ("plan", "activity", "unitplan", "unitplanitem", "progressreport", "oversightassignment")


def forwards(apps, schema_editor):
    from workflows.audit import relabel_subject_type

    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEvent = apps.get_model("workflows", "AuditEvent")
    for model in MODELS:
        content_type = ContentType.objects.filter(app_label="workflows", model=model).first()
        if content_type is None:  # a new database: post_migrate creates the content types afterwards
            continue
        duplicate = ContentType.objects.filter(app_label="plan", model=model).first()
        if duplicate is not None:
            # created by the post_migrate of an earlier, partial migrate: unused by the audit log, so it goes
            # (with its default permissions); the moved type keeps its id and everything that points at it
            if AuditEvent.objects.filter(subject_type=duplicate).exists():
                raise RuntimeError(
                    f"both workflows.{model} and plan.{model} have audit events: merge them first"
                )
            duplicate.delete()
        relabel_subject_type(content_type, app_label="plan")


def backwards(apps, schema_editor):
    """Back to "workflows.…", only while no event was recorded under "plan.…" (older code would hash those
    with the old label and find the chain broken): then the recorded labels are no longer needed."""
    from django.contrib.contenttypes.models import ContentType as CurrentContentType

    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEvent = apps.get_model("workflows", "AuditEvent")
    AuditSubjectLabel = apps.get_model("workflows", "AuditSubjectLabel")
    for model in MODELS:
        content_type = ContentType.objects.filter(app_label="plan", model=model).first()
        if content_type is None:
            continue
        # only the columns every version of the table has (workflows 0014 added `chain`; reversing may reach here
        # with the table already before or still after it)
        recorded = (
            AuditSubjectLabel.objects.filter(content_type=content_type, label=f"workflows.{model}")
            .order_by("-until_sequence")
            .values_list("pk", "until_sequence")
            .first()
        )
        since = recorded[1] if recorded is not None else 0
        if AuditEvent.objects.filter(subject_type=content_type, sequence__gt=since).exists():
            raise RuntimeError(
                f"plan.{model} has audit events recorded after the move to the app plan: moving it back "
                "would break the audit chain for the code before the move"
            )
        if recorded is not None:
            AuditSubjectLabel.objects.filter(pk=recorded[0])._raw_delete(schema_editor.connection.alias)
        content_type.app_label = "workflows"
        content_type.save(update_fields=["app_label"])
    CurrentContentType.objects.clear_cache()


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("plan", "0001_initial"),
        ("workflows", "0011_plan_moved_to_its_app"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
