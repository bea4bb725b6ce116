from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmulationConfig(AppConfig):
    name = "emulation"
    verbose_name = _("Cụm, khối thi đua")

    def ready(self):
        from . import audit_labels, lifecycle, policies, processes  # noqa: F401

        processes.register()
