"""Division.activity points at plan.Activity: the annual plan's models moved from workflows/ to the app `plan`
(issue 13). The table it references keeps its name (workflows_activity), so the foreign key in the database
stays as it is: state only. Runs before workflows 0011, which removes workflows.Activity from the state."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("emulation", "0001_divisions_and_groups"),
        ("plan", "0001_initial"),
    ]
    run_before = [("workflows", "0011_plan_moved_to_its_app")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="division",
                    name="activity",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="emulation_divisions",
                        to="plan.activity",
                        verbose_name="hoạt động kế hoạch",
                    ),
                )
            ],
        )
    ]
