from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanConfig(AppConfig):
    name = "plan"
    label = "plan"
    verbose_name = _("Kế hoạch TĐKT")

    def ready(self):
        from . import audit_labels, lifecycle, policies, processes, tasks  # noqa: F401  (labels, machine,
        # the permission layer's plan policies, beat task)

        processes.register()
