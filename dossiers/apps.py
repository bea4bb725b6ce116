from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = _("Hồ sơ đề nghị khen thưởng")

    def ready(self):
        from councils.registry import register_subject

        # history labels; the state machines; the app's policies (registered with the permission layer)
        from . import audit_labels, lifecycle, policies  # noqa: F401
        from .models import DossierNominee
        from .services import council_agenda_terms, council_agenda_terms_many, council_result_receive

        register_subject(
            DossierNominee,
            agenda_terms=council_agenda_terms,
            agenda_terms_many=council_agenda_terms_many,  # a session's lines in one query (same terms)
            on_result=council_result_receive,
            kind="dossier_line",
            api_route="dossier-line-detail",
        )

        from councils.registry import register_lock_check

        from .notice import lock_refusals, lock_refusals_many

        # public notice and holds, again at the lock (a session's lines in a fixed number of queries)
        register_lock_check(DossierNominee, lock_refusals, lock_refusals_many)

        from workflows import inbox

        from .inbox import dossier_work

        inbox.register("dossiers.work", dossier_work)

        # a unit's own year-end round: its state machines, and its lines as subjects of the unit's own council
        from . import unit_round_lifecycle  # noqa: F401
        from .agenda_terms import round_agenda_terms_many
        from .models import UnitRoundLine
        from .unit_round import round_agenda_terms, round_result_receive, round_results_receive

        register_subject(
            UnitRoundLine,
            agenda_terms=round_agenda_terms,
            agenda_terms_many=round_agenda_terms_many,  # a round's lines in one query (the same terms)
            on_result=round_result_receive,
            on_results=round_results_receive,  # a round's hundreds of lines in one call
            kind="unit_round_line",
        )
        from .integrity import round_lock_refusals, round_lock_refusals_many

        # a hold in force on a round line's nominee refuses the unit council's agenda lock
        register_lock_check(UnitRoundLine, round_lock_refusals, round_lock_refusals_many)
