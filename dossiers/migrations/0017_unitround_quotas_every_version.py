"""Data: the quotas for the award versions loaded after 0014 (the three rule versions of 0015), see
dossiers.quotas."""

from django.db import migrations


def load(apps, schema_editor):
    from dossiers.quotas import quotas_load

    quotas_load(apps.get_model("dossiers", "AwardType"), apps.get_model("dossiers", "AwardQuota"))


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0016_rules_no_overlap")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
