"""0002 re-wrote the open ballots sealed and deleted the counted ones; their old plaintext row versions stay in
the database files until the space is rewritten. Rewrite it now (outside a transaction, as VACUUM requires):
PostgreSQL `VACUUM FULL` of the ballot table, SQLite `VACUUM` of the file. Backups taken before the upgrade
still hold plaintext ballots (docs/security.md, "Secret ballots")."""

from django.db import migrations


def scrub(apps, schema_editor):
    connection = schema_editor.connection
    if connection.in_atomic_block:
        return  # run inside a transaction (a test's): nothing to scrub there, and VACUUM cannot run
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM FULL councils_ballot")
        elif connection.vendor == "sqlite":
            cursor.execute("VACUUM")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("councils", "0003_written_vote_confirmation")]

    operations = [migrations.RunPython(scrub, migrations.RunPython.noop, elidable=True)]
