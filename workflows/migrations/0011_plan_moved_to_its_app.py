"""The annual plan's models moved to the app `plan` (issue 13): they leave the engine core's migration state
only. Their tables keep their names (plan.models sets db_table = "workflows_…") and their rows, so the
database does not change; plan/migrations/0001_initial.py adds them to the state of `plan`, and
plan/migrations/0002_content_types.py relabels their content types (the audit chain keeps verifying:
workflows.AuditSubjectLabel). Those migrations and emulation's, which point its foreign key at plan.activity
first, declare that they run before this one, so the engine core's migrations name no domain app."""

from django.db import migrations

#: dependents first, so that no model left in the state points at a deleted one
MOVED = ["UnitPlanItem", "ProgressReport", "OversightAssignment", "UnitPlan", "Activity", "Plan"]


class Migration(migrations.Migration):
    dependencies = [("workflows", "0010_audit_subject_labels")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name=name) for name in MOVED],
            database_operations=[],
        )
    ]
