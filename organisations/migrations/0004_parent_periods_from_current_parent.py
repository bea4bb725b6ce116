"""The dated tree starts from the tree as it stands: every unit with a parent gets one parent period, open at
both ends (valid_from empty = since always, like the unit's own valid_from), so parent_on() answers for any
day what Unit.parent answered before. Going back deletes the periods (the current parent stays on Unit)."""

from django.db import migrations


def periods_from_current_parent(apps, schema_editor):
    Unit = apps.get_model("organisations", "Unit")
    UnitParentPeriod = apps.get_model("organisations", "UnitParentPeriod")
    have_periods = set(UnitParentPeriod.objects.values_list("unit_id", flat=True))
    UnitParentPeriod.objects.bulk_create(
        UnitParentPeriod(unit_id=unit_id, parent_id=parent_id, valid_from=valid_from, valid_to=valid_to)
        for unit_id, parent_id, valid_from, valid_to in Unit.objects.filter(parent__isnull=False)
        .exclude(pk__in=have_periods)
        .values_list("pk", "parent_id", "valid_from", "valid_to")
    )


def forget_periods(apps, schema_editor):
    apps.get_model("organisations", "UnitParentPeriod").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("organisations", "0003_units_over_time")]

    operations = [migrations.RunPython(periods_from_current_parent, forget_periods)]
