from django.db import migrations, models


def catalogue_values(apps, schema_editor):
    """The awards of the catalogue's versions take the value the catalogue ships (dossiers/data/award_catalogue.yaml:
    the titles posted before the council are not posted again after it); every other award keeps the posting."""
    from dossiers.catalogue import catalogue_data

    award_model = apps.get_model("dossiers", "AwardType")
    for version in catalogue_data()["versions"]:
        for row in version["awards"]:
            if "post_after_vote" in row:
                award_model.objects.filter(rule_version__code=version["code"], code=row["code"]).update(
                    post_after_vote=row["post_after_vote"]
                )


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0017_unitround_quotas_every_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="awardtype",
            name="post_after_vote",
            field=models.BooleanField(
                default=True,
                help_text="Quy định của Ban: đối tượng được hội đồng thông qua được công khai trước khi Chủ tịch quyết định. Khi không đối tượng nào của hồ sơ cần, Chủ tịch quyết định ngay sau khi hội đồng xét.",
                verbose_name="công khai sau khi hội đồng xét",
            ),
        ),
        migrations.RunPython(catalogue_values, migrations.RunPython.noop),
    ]
