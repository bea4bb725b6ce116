"""Data: the three rule versions of the catalogue (Decree 91/2017, Decree 98/2023, Decree 152/2025) with their
awards and rules; awards loaded before versions existed (0002) join the version their dates fall in, and each
nominee line records the version of its award."""

from django.db import migrations


def load(apps, schema_editor):
    from dossiers.catalogue import catalogue_load

    catalogue_load(apps.get_model("dossiers", "AwardType"), apps.get_model("dossiers", "EligibilityRule"))
    line_model = apps.get_model("dossiers", "DossierNominee")
    award_model = apps.get_model("dossiers", "AwardType")
    for award in award_model.objects.filter(rule_version__isnull=False).only("pk", "rule_version"):
        line_model.objects.filter(award=award, rule_version__isnull=True).update(rule_version=award.rule_version)


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0014_unitround_quota_data")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
