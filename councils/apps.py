from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CouncilsConfig(AppConfig):
    name = "councils"
    verbose_name = _("Hội đồng và phiên họp")

    def ready(self):
        from workflows import processes

        from . import audit_labels, lifecycle, policies  # noqa: F401  (history labels; the machines; the policies)
        from .services import council_session_is_finished, council_session_start

        processes.register(
            "council_session",
            start=council_session_start,
            is_finished=council_session_is_finished,
            label=_("Phiên họp Hội đồng Thi đua - Khen thưởng"),
        )

        from workflows import inbox

        from .inbox import open_ballots

        inbox.register("councils.ballots", open_ballots)
