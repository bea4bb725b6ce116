"""Eligibility integrity checks that read across dossiers (issue 16, DOMAIN.md §2): one achievement, one award;
holds in force. Read-only: the services refuse writes with these answers and the lifecycle uses them as
transition conditions (so engine.check() and the buttons show the reason)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import AwardRecord, DossierNominee, DossierState, NomineeHold, NomineeState, RecordStatus

#: Lines that hold no achievement: the nominee was not proposed, not passed, not awarded.
REFUSED_LINE_STATES = (
    NomineeState.NOT_PROPOSED,
    NomineeState.FAILED,
    NomineeState.REJECTED,
    NomineeState.CENTRAL_REJECTED,
)

#: The error code of a second proposal of the same award for the same achievement (API: "code").
DUPLICATE_AWARD = "duplicate_award"
#: The error code of a hold in force (API: "code").
HOLD_IN_FORCE = "hold_in_force"


def duplicate_award(
    nominee, award, year: int, *, exclude_line_id=None, occasion: str | None = None
) -> str | None:
    """Why `award` (any version of its code) cannot be proposed for `nominee`'s achievements of `year`: another
    line proposing it in any dossier (draft, decided or closed alike; only a withdrawn dossier or a refused
    line holds nothing), or an award record (entered by hand, declared or confirmed, or decided here).
    None when the achievement is free. `exclude_line_id`: the line being checked itself. With `occasion`, only
    proposals and records of the same occasion hold the achievement: a sudden achievement is not the year's
    regular merit, so the same award may be given for each."""
    lines = (
        DossierNominee.objects.filter(nominee=nominee, award__code=award.code, dossier__year=year)
        .exclude(dossier__state=DossierState.WITHDRAWN)
        .exclude(state__in=REFUSED_LINE_STATES)
        .select_related("dossier")
        .order_by("dossier_id")
    )
    if exclude_line_id is not None:
        lines = lines.exclude(pk=exclude_line_id)
    if occasion:
        lines = lines.filter(dossier__occasion=occasion)
    other = lines.first()
    if other is not None:
        return _("Đã đề nghị «%(award)s» cho %(name)s năm %(year)s trong hồ sơ số %(dossier)s.") % {
            "award": award.name,
            "name": nominee.full_name,
            "year": year,
            "dossier": other.dossier_id,
        }
    records = (
        AwardRecord.objects.filter(nominee=nominee, award__code=award.code, year=year)
        .exclude(status=RecordStatus.REJECTED)
        .order_by("pk")
    )
    if exclude_line_id is not None:
        records = records.exclude(dossier_nominee_id=exclude_line_id)
    if occasion:
        records = records.filter(occasion=occasion)
    record = records.first()
    if record is not None:
        return recorded_award_message(nominee, award, year, record)
    return None


def recorded_award_message(nominee, award, year: int, record) -> str:
    """The refusal naming the register's record of the same award and year (duplicate_award, and the batch
    check of a dossier's lines, services.duplicate_awards_many)."""
    return _(
        "%(name)s đã được «%(award)s» năm %(year)s (quyết định số %(number)s ngày %(day)s, %(authority)s; "
        "sổ vàng, bản ghi số %(record)s)."
    ) % {
        "name": nominee.full_name,
        "award": award.name,
        "year": year,
        "number": record.decision_number,
        "day": record.decision_date.strftime("%d/%m/%Y"),
        "authority": record.authority,
        "record": record.pk,
    }


def duplicate_awards(lines: Iterable[DossierNominee]) -> list[str]:
    """The duplicate-award refusal of each line (its own line excepted), for the submission's condition."""
    messages = []
    for line in lines:
        message = duplicate_award(
            line.nominee,
            line.award,
            line.dossier.year,
            exclude_line_id=line.pk,
            occasion=line.dossier.occasion,
        )
        if message:
            messages.append(message)
    return messages


def holds_in_force_q(day: date):
    from django.db.models import Q

    return Q(lifted_on__isnull=True, starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))


def holds_in_force(nominee_ids: Iterable[int], day: date | None = None) -> dict[int, list[NomineeHold]]:
    """The holds in force on `day` (today) of each of `nominee_ids`, by nominee id."""
    day = day or timezone.localdate()
    found: dict[int, list[NomineeHold]] = {}
    for hold in NomineeHold.objects.filter(holds_in_force_q(day), nominee_id__in=list(nominee_ids)):
        found.setdefault(hold.nominee_id, []).append(hold)
    return found


def hold_refusals(lines: Iterable[DossierNominee], day: date | None = None, held=None) -> list[str]:
    """ "X đang bị tạm dừng xét khen thưởng: Kỷ luật (QĐ …, từ … đến …)." for each line whose nominee has a hold
    in force (`held`: holds_in_force() already read for these lines' nominees)."""
    lines = list(lines)
    if held is None:
        held = holds_in_force({line.nominee_id for line in lines}, day)
    messages = []
    for line in lines:
        for hold in held.get(line.nominee_id, ()):
            message = _("%(name)s đang bị tạm dừng xét khen thưởng: %(hold)s.") % {
                "name": line.nominee.full_name,
                "hold": hold.describe(),
            }
            if message not in messages:
                messages.append(message)
    return messages


def round_lock_refusals_many(*, subjects, session) -> list[str]:
    """Registered with councils.registry for a unit round's lines: a hold in force on a line's nominee (a
    person or a collective) refuses the unit council's agenda lock, as it refuses a city dossier line's, read
    again for all of the session's round lines in two queries."""
    from .models import UnitRoundLine

    lines = UnitRoundLine.objects.filter(pk__in=[subject.pk for subject in subjects]).select_related(
        "nominee"
    )
    by_pk = {line.pk: line for line in lines}
    return hold_refusals([by_pk[subject.pk] for subject in subjects if subject.pk in by_pk])


def round_lock_refusals(*, subject, session) -> list[str]:
    return round_lock_refusals_many(subjects=[subject], session=session)
