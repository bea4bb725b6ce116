"""Memberships are no longer copied into django-guardian object permissions (issue 13): who sees a unit or a
council term is decided from the memberships themselves (workflows.policies.may_view_unit,
may_view_council_term). The copies the hourly sync left (`view_unit` on units, `view_councilterm` on council
terms, for users and groups) are deleted here. They were derived data, each grant and revocation already
audited when the sync made it; no summary event is recorded for their removal.

Object grants that memberships do not imply (other codenames, other models) are kept untouched."""

from django.db import migrations

COPIES = (("unit", "view_unit"), ("councilterm", "view_councilterm"))


def forget_copies(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    UserObjectPermission = apps.get_model("guardian", "UserObjectPermission")
    GroupObjectPermission = apps.get_model("guardian", "GroupObjectPermission")
    for model, codename in COPIES:
        content_type = ContentType.objects.filter(app_label="organisations", model=model).first()
        if content_type is None:
            continue
        for table in (UserObjectPermission, GroupObjectPermission):
            table.objects.filter(content_type=content_type, permission__codename=codename).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("guardian", "0003_remove_groupobjectpermission_guardian_gr_content_ae6aec_idx_and_more"),
    ]

    operations = [migrations.RunPython(forget_copies, migrations.RunPython.noop)]
