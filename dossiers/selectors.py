"""Reads of the dossiers app: what each user may see, queues, overdue steps, the register."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from workflows.models import Role
from workflows.roles import authorities_of, can_read_everything

from .models import AwardRecord, Dossier, DossierNominee, DossierState, Nominee, NomineeState
from .models.dossier import FINAL_STATES


def unit_ids_of(user) -> set[int]:
    """Units where the user is a unit officer or unit head today."""
    return {
        a.unit_id for a in authorities_of(user) if a.unit_id and a.role in (Role.UNIT_OFFICER, Role.UNIT_HEAD)
    }


def dossiers_visible_to(user) -> QuerySet[Dossier]:
    """The Board, auditors and the chairman see every dossier; a unit sees its own only."""
    dossiers = Dossier.objects.select_related("unit")
    if can_read_everything(user):
        return dossiers
    return dossiers.filter(unit_id__in=unit_ids_of(user))


def lines_visible_to(user) -> QuerySet[DossierNominee]:
    lines = DossierNominee.objects.select_related("dossier__unit", "nominee", "award")
    if can_read_everything(user):
        return lines
    return lines.filter(dossier__unit_id__in=unit_ids_of(user))


def nominees_visible_to(user) -> QuerySet[Nominee]:
    nominees = Nominee.objects.select_related("unit")
    if can_read_everything(user):
        return nominees
    return nominees.filter(unit_id__in=unit_ids_of(user))


def overdue_dossiers(day=None) -> QuerySet[Dossier]:
    """Dossiers whose current step has passed its working-day deadline."""
    day = day or timezone.localdate()
    return (
        Dossier.objects.select_related("unit")
        .exclude(state__in=FINAL_STATES)
        .filter(deadline__lt=day)
        .order_by("deadline", "pk")
    )


def intake_queue() -> QuerySet[Dossier]:
    return (
        Dossier.objects.select_related("unit")
        .filter(state=DossierState.SUBMITTED)
        .order_by("submitted_at", "pk")
    )


def posted_lines() -> QuerySet[DossierNominee]:
    """Nominees under public comment now (no login needed to read them)."""
    today = timezone.localdate()
    return (
        DossierNominee.objects.select_related("dossier__unit", "nominee", "award")
        .filter(dossier__state=DossierState.POSTED, state=NomineeState.PASSED)
        .filter(Q(dossier__posted_until__isnull=True) | Q(dossier__posted_until__gte=today))
        .order_by("dossier__unit__name", "nominee__full_name")
    )


def register_search(
    *, query: str = "", unit_id=None, year=None, award_code: str = ""
) -> QuerySet[AwardRecord]:
    """The award register (sổ vàng), searchable by person, unit, year and award."""
    records = AwardRecord.objects.select_related("nominee__unit", "award")
    if query:
        records = records.filter(nominee__full_name__icontains=query)
    if unit_id:
        records = records.filter(nominee__unit_id=unit_id)
    if year:
        records = records.filter(year=year)
    if award_code:
        records = records.filter(award__code=award_code)
    return records.order_by("-year", "award__level", "nominee__full_name")
