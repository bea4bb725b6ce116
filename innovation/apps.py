from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InnovationConfig(AppConfig):
    name = "innovation"
    verbose_name = _("Sáng kiến")

    def ready(self):
        from councils.registry import register_subject
        from workflows import processes

        from . import audit_labels, lifecycle, policies  # noqa: F401  (history labels; the machines; the policies)
        from .models import Initiative
        from .services import (
            council_agenda_terms,
            council_result_receive,
            round_is_finished,
            round_start_from_activity,
        )

        register_subject(
            Initiative,
            agenda_terms=council_agenda_terms,
            on_result=council_result_receive,
            kind="initiative",
            api_route="initiative-detail",
        )
        processes.register(
            "innovation_round",
            start=round_start_from_activity,
            is_finished=round_is_finished,
            label=_("Đợt xét công nhận sáng kiến"),
        )
