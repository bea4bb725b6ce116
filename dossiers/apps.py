from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = _("Hồ sơ đề nghị khen thưởng")

    def ready(self):
        from councils.registry import register_subject

        from . import audit_labels, lifecycle  # noqa: F401  (history labels; registers the state machines)
        from . import policies  # noqa: F401  (registers the app's policies with the permission layer)
        from .models import DossierNominee
        from .services import council_agenda_terms, council_result_receive

        register_subject(DossierNominee, agenda_terms=council_agenda_terms, on_result=council_result_receive)

        from workflows import inbox

        from .inbox import dossier_work

        inbox.register("dossiers.work", dossier_work)
