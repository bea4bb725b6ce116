from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanConfig(AppConfig):
    name = "plan"
    label = "plan"
    verbose_name = _("Kế hoạch TĐKT")

    def ready(self):
        from . import lifecycle, processes, tasks  # noqa: F401  (the activity machine, the beat task)

        processes.register()
