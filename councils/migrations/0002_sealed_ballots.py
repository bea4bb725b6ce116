"""Ballots no longer hold a plaintext choice: open items' ballots are sealed under the ballot key, counted
items' ballots (their counts are on the item) are deleted."""

from django.db import migrations, models


def seal_open_ballots(apps, schema_editor):
    from councils.sealing import seal_choice

    Ballot = apps.get_model("councils", "Ballot")
    Ballot.objects.filter(item__state="counted").delete()
    for ballot in Ballot.objects.all().only("pk", "item_id", "choice").iterator():
        Ballot.objects.filter(pk=ballot.pk).update(sealed=seal_choice(ballot.item_id, ballot.choice))


class Migration(migrations.Migration):
    dependencies = [("councils", "0001_sessions_agenda_ballots")]

    operations = [
        migrations.AddField(model_name="ballot", name="sealed", field=models.BinaryField(null=True)),
        migrations.RunPython(seal_open_ballots, migrations.RunPython.noop, elidable=False),
        migrations.RemoveField(model_name="ballot", name="choice"),
        migrations.AlterField(model_name="ballot", name="sealed", field=models.BinaryField()),
    ]
