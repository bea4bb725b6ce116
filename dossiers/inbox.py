"""The dossiers' rows in the task inbox that are not transitions: a unit's drafts and returned dossiers to
complete (edited through the services, by the unit officer too), and accepted dossiers whose nominees still
wait for the Board's opinion (given per nominee, whose machine the inbox does not list)."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.inbox import DUE, InboxItem
from workflows.models import Role

from .models import Dossier, DossierNominee, DossierState, NomineeState


def dossier_work(user, authorities, limit: int) -> list[InboxItem]:
    """One query (none for a user with no unit officer, unit head or Board officer role)."""
    editing_units = {
        a.unit_id for a in authorities if a.role in (Role.UNIT_OFFICER, Role.UNIT_HEAD) and a.unit_id
    }
    board = any(
        a.role == Role.BOARD_OFFICER and a.unit_id is None and a.council_term_id is None for a in authorities
    )
    condition = Q(pk__in=[])
    if editing_units:
        condition |= Q(unit_id__in=editing_units, state__in=(DossierState.DRAFT, DossierState.RETURNED))
    if board:
        waiting = DossierNominee.objects.filter(dossier=OuterRef("pk"), state=NomineeState.PENDING)
        condition |= Q(Exists(waiting), state=DossierState.ACCEPTED)
    if not editing_units and not board:
        return []
    dossiers = (
        Dossier.objects.filter(condition)
        .select_related("unit")
        .order_by(F("deadline").asc(nulls_last=True), "pk")
    )
    today = timezone.localdate()
    actions = {
        DossierState.DRAFT: _("Hoàn thiện hồ sơ"),
        DossierState.RETURNED: _("Bổ sung hồ sơ theo yêu cầu"),
        DossierState.ACCEPTED: _("Cho ý kiến thẩm định từng đối tượng"),
    }
    labels = {value: str(label) for value, label in DossierState.choices}
    kind = str(Dossier._meta.verbose_name).capitalize()  # "Hồ sơ đề nghị khen thưởng"
    return [
        InboxItem(
            subject=dossier,
            title=str(dossier),
            url=dossier.get_absolute_url(),
            kind=kind,
            actions=[actions[dossier.state]],
            state=labels[dossier.state],
            deadline=dossier.deadline,
            priority=DUE,
            today=today,
        )
        for dossier in dossiers[: limit + 1]
    ]
