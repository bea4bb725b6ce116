"""PostgreSQL refuses overlapping rule versions, and two versions of one award in force on the same day
(exclusion constraints over the daterange [effective_from, effective_to], drafts without a start excluded).
SQLite has no exclusion constraints: there the model's clean() (dossiers.rule_versions) refuses them, and the
rules page and the loader call it. The constraints are created here rather than in the models' Meta so the
SQLite schema stays portable."""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations, models
from django.db.models import Func, Q


class DateRange(Func):
    function = "daterange"
    output_field = DateRangeField()


def _range():
    return DateRange("effective_from", "effective_to", models.Value("[]"))


CONSTRAINTS = {
    "ruleversion": ExclusionConstraint(
        name="ruleversion_no_overlap",
        expressions=[(_range(), RangeOperators.OVERLAPS)],
        condition=Q(effective_from__isnull=False),
    ),
    "awardtype": ExclusionConstraint(
        name="awardtype_no_overlap",
        expressions=[("code", RangeOperators.EQUAL), (_range(), RangeOperators.OVERLAPS)],
        condition=Q(effective_from__isnull=False),
    ),
}


class PostgresBtreeGist(BtreeGistExtension):
    """btree_gist on PostgreSQL; nothing elsewhere (CreateExtension would query pg_extension when unapplied)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def add(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, constraint in CONSTRAINTS.items():
        schema_editor.add_constraint(apps.get_model("dossiers", model_name), constraint)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, constraint in CONSTRAINTS.items():
        schema_editor.remove_constraint(apps.get_model("dossiers", model_name), constraint)


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0015_rules_catalogue")]

    operations = [PostgresBtreeGist(), migrations.RunPython(add, remove)]
