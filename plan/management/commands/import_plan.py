"""manage.py import_plan FILE: load or update a city plan from YAML (idempotent; errors name the line)."""

from django.core.management.base import BaseCommand, CommandError

from plan.importer import PlanFileError, import_plan


class Command(BaseCommand):
    help = "Import a city emulation and commendation plan from a YAML file (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the plan YAML file, e.g. plan/data/plan_2023.yaml")

    def handle(self, *args, file, verbosity=1, **options):
        try:
            result = import_plan(file)
        except PlanFileError as exc:
            raise CommandError(str(exc)) from exc
        if verbosity < 1:
            return
        if not result.changed:
            self.stdout.write(f"{result.plan}: không có thay đổi.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.plan}: {len(result.created)} hoạt động mới, {len(result.updated)} hoạt động cập nhật, "
                f"{len(result.created_units)} đơn vị mới."
            )
        )
