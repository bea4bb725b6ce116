"""Data: the award catalogue of DOMAIN.md (titles and forms in force from 2024-01-01, with their rules)."""

from django.db import migrations


def load(apps, schema_editor):
    from dossiers.catalogue import catalogue_load

    catalogue_load(apps.get_model("dossiers", "AwardType"), apps.get_model("dossiers", "EligibilityRule"))


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0001_awards_nominees_dossiers")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
