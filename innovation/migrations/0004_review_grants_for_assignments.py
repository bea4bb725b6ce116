"""Every reviewer already assigned to an initiative gets the object grant `innovation.review_initiative` on it
(django-guardian), which the permission layer now reads instead of the assignment rows (innovation/policies.py).

The grants derive from assignments the audit log already holds (verb "assign_reviewer"), so no event is added
here; new assignments are granted, and audited as permission_granted, by the assignment service. The
permission row is created here if Django's post_migrate signal has not made it yet (a fresh database)."""

from django.db import migrations

CODENAME = "review_initiative"


def grant_assigned_reviewers(apps, schema_editor):
    ReviewAssignment = apps.get_model("innovation", "ReviewAssignment")
    if not ReviewAssignment.objects.exists():
        return
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    UserObjectPermission = apps.get_model("guardian", "UserObjectPermission")
    content_type, _created = ContentType.objects.get_or_create(app_label="innovation", model="initiative")
    permission, _created = Permission.objects.get_or_create(
        content_type=content_type, codename=CODENAME, defaults={"name": "Chấm sáng kiến được phân công"}
    )
    held = set(UserObjectPermission.objects.filter(permission=permission).values_list("user_id", "object_pk"))
    rows = []
    for reviewer_id, initiative_id in ReviewAssignment.objects.values_list("reviewer_id", "initiative_id"):
        key = (reviewer_id, str(initiative_id))
        if key in held:
            continue
        held.add(key)
        rows.append(
            UserObjectPermission(
                user_id=reviewer_id,
                permission=permission,
                content_type=content_type,
                object_pk=str(initiative_id),
            )
        )
    UserObjectPermission.objects.bulk_create(rows, batch_size=500)


def take_back(apps, schema_editor):
    """Reversed: the grants of assigned reviewers go (the assignments themselves stay)."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    UserObjectPermission = apps.get_model("guardian", "UserObjectPermission")
    content_type = ContentType.objects.filter(app_label="innovation", model="initiative").first()
    if content_type is not None:
        UserObjectPermission.objects.filter(content_type=content_type, permission__codename=CODENAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("innovation", "0003_review_initiative_permission"),
        ("guardian", "0003_remove_groupobjectpermission_guardian_gr_content_ae6aec_idx_and_more"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant_assigned_reviewers, take_back)]
