"""Reads of the dossiers app: what each user may see, queues, overdue steps, the register."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from workflows.names import full_name
from workflows.policies import readable_unit_ids

from .models import AwardRecord, Dossier, DossierNominee, DossierState, Nominee, NomineeState, ReturnItem
from .models.dossier import FINAL_STATES
from .policies import editing_unit_ids


def unit_ids_of(user) -> set[int]:
    """Units where the user is a unit officer or unit head today (policies.editing_unit_ids)."""
    return editing_unit_ids(user)


def dossiers_visible_to(user) -> QuerySet[Dossier]:
    """The Board, auditors and the chairman see every dossier; a unit sees its own only."""
    dossiers = Dossier.objects.select_related("unit")
    units = readable_unit_ids(user)
    return dossiers if units is None else dossiers.filter(unit_id__in=units)


def lines_visible_to(user) -> QuerySet[DossierNominee]:
    lines = DossierNominee.objects.select_related("dossier__unit", "nominee", "award", "rule_version")
    units = readable_unit_ids(user)
    return lines if units is None else lines.filter(dossier__unit_id__in=units)


def nominees_visible_to(user) -> QuerySet[Nominee]:
    nominees = Nominee.objects.select_related("unit")
    units = readable_unit_ids(user)
    return nominees if units is None else nominees.filter(unit_id__in=units)


def awards_visible_to(user, records: QuerySet[AwardRecord]) -> QuerySet[AwardRecord]:
    """The register's rows `user` may read: all for the Board, auditors and the chairman, else those of the
    people working at their units now (their whole history) and those won while working at their units (a
    person transferred away: what they were awarded there, dossiers.transfers)."""
    from .transfers import award_unit_then_q

    units = readable_unit_ids(user)
    if units is None:
        return records
    return records.filter(Q(nominee__unit_id__in=units) | award_unit_then_q(units))


def dossier_search(
    dossiers: QuerySet[Dossier],
    *,
    query: str = "",
    unit_id: int | None = None,
    award_code: str = "",
    year: int | None = None,
    state: str = "",
) -> QuerySet[Dossier]:
    """The dossier list's search and filters, on dossiers the caller already may see.

    `query` matches the title, a nominee's name, the decision or central submission number (the dossier's
    or a line's central decision) and, when it is a number, the dossier's own number (its id). `award_code`
    keeps dossiers with a line proposing that award (any version of it). One query whatever the filters: the
    line conditions are EXISTS subqueries, so a dossier with two matching lines is listed once.
    """
    if query:
        lines = DossierNominee.objects.filter(dossier=OuterRef("pk"))
        match = (
            Q(title__icontains=query)
            | Q(decision_number__icontains=query)
            | Q(central_submission_number__icontains=query)
            | Exists(
                lines.filter(
                    Q(nominee__full_name__icontains=query) | Q(central_decision_number__icontains=query)
                )
            )
        )
        number = query.lstrip("#")
        if number.isascii() and number.isdigit() and len(number) < 19:
            match |= Q(pk=int(number))
        dossiers = dossiers.filter(match)
    if unit_id:
        dossiers = dossiers.filter(unit_id=unit_id)
    if year:
        dossiers = dossiers.filter(year=year)
    if state:
        dossiers = dossiers.filter(state=state)
    if award_code:
        dossiers = dossiers.filter(
            Exists(DossierNominee.objects.filter(dossier=OuterRef("pk"), award__code=award_code))
        )
    return dossiers


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
    """Nominees under public comment now (no login needed to read them): posted after the vote, or under
    their public notice before the council (dossiers.notice)."""
    today = timezone.localdate()
    after_vote = Q(dossier__state=DossierState.POSTED, state=NomineeState.PASSED) & (
        Q(dossier__posted_until__isnull=True) | Q(dossier__posted_until__gte=today)
    )
    before_council = Q(
        public_notice__starts_on__lte=today,
        public_notice__ends_on__gte=today,
        state__in=(NomineeState.PENDING, NomineeState.PROPOSED, NomineeState.ON_AGENDA),
    )
    return (
        DossierNominee.objects.select_related("dossier__unit", "nominee", "award", "public_notice")
        .filter(after_vote | before_council)
        .order_by("dossier__unit__name", "nominee__full_name")
    )


#: How a report names the unit of a past record: the unit as it was then, or what it became (its successors in
#: force today, organisations.timeline.successors_of: a district ended in 2025 → the units that took its place).
UNIT_THEN = "then"
UNIT_SUCCESSOR = "successor"


def register_search(
    *, query: str = "", unit_id=None, year=None, award_code: str = "", unit_view: str = UNIT_THEN
) -> QuerySet[AwardRecord]:
    """The award register (sổ vàng), searchable by person, unit, year and award. Each row carries
    `unit_then_id`, the unit the person worked at when awarded (dossiers.transfers.with_unit_then); `unit_id`
    keeps the rows of that unit then, or with `unit_view` UNIT_SUCCESSOR the rows of the units it continues
    (itself and its predecessors)."""
    from organisations.timeline import predecessor_ids

    from .transfers import award_unit_then_q, with_unit_then

    records = with_unit_then(AwardRecord.objects.select_related("nominee__unit", "award"))
    if query:
        records = records.filter(nominee__full_name__icontains=query)
    if unit_id:
        unit_id = getattr(unit_id, "pk", unit_id)
        ids = {unit_id}
        if unit_view == UNIT_SUCCESSOR:
            from organisations.models import Unit

            unit = Unit.objects.filter(pk=unit_id).first()
            ids |= predecessor_ids(unit) if unit else set()
        records = records.filter(award_unit_then_q(ids))
    if year:
        records = records.filter(year=year)
    if award_code:
        records = records.filter(award__code=award_code)
    return records.order_by("-year", "award__level", "nominee__full_name", "pk")


def unit_labels(unit_ids, unit_view: str = UNIT_THEN, day: date | None = None) -> dict[int, str]:
    """{unit id: the name a report shows for it}: its own name (the unit then), or with UNIT_SUCCESSOR the names
    of its successors in force on `day` (today), its own name when nothing succeeds it."""
    from organisations.models import Unit
    from organisations.timeline import successors_of

    units = Unit.objects.in_bulk({pk for pk in unit_ids if pk})
    if unit_view != UNIT_SUCCESSOR:
        return {pk: unit.name for pk, unit in units.items()}
    day = day or timezone.localdate()
    labels = {}
    for pk, unit in units.items():
        successors = successors_of(unit, day)
        labels[pk] = ", ".join(s.name for s in successors) if successors else unit.name
    return labels


@dataclass(frozen=True)
class ReturnRound:
    """One return of a dossier for supplement: the Board's reason, each item to supplement, the deadline."""

    round: int
    reason: str
    returned_at: datetime | None
    returned_by: str
    deadline: date | None
    items: tuple[str, ...]
    event_id: int | None


def dossier_returns(dossier: Dossier) -> list[ReturnRound]:
    """Every return of the dossier, oldest first (see returns_of)."""
    return returns_of([dossier])[dossier.pk]


def returns_of(dossiers) -> dict[int, list[ReturnRound]]:
    """{dossier pk: its returns, oldest first}, in two queries for any number of dossiers. The items are the
    ReturnItem rows; the reason and who returned it are the return_for_supplement audit event of that round
    (round = the submissions made before the return)."""
    from django.contrib.contenttypes.models import ContentType

    from workflows.models import AuditEvent

    pks = [dossier.pk for dossier in dossiers]
    items: dict[int, dict[int, list]] = {pk: {} for pk in pks}
    for item in ReturnItem.objects.filter(dossier_id__in=pks).order_by("round", "pk"):
        items[item.dossier_id].setdefault(item.round, []).append(item)
    events: dict[int, dict[int, object]] = {pk: {} for pk in pks}
    submissions = dict.fromkeys(pks, 0)
    verbs = ["submit", "resubmit", "return_for_supplement"]
    for event in (
        AuditEvent.objects.filter(
            subject_type=ContentType.objects.get_for_model(Dossier),
            subject_id__in=[str(pk) for pk in pks],
            verb__in=verbs,
        )
        .select_related("actor")
        .order_by("id")
    ):
        pk = int(event.subject_id)
        if event.verb == "return_for_supplement":
            events[pk][submissions[pk]] = event
        else:
            submissions[pk] += 1
    result = {}
    for pk in pks:
        rounds = []
        for number in sorted(set(items[pk]) | set(events[pk])):
            event, rows = events[pk].get(number), items[pk].get(number, [])
            rounds.append(
                ReturnRound(
                    round=number,
                    reason=event.comment if event else "",
                    returned_at=event.created_at if event else None,
                    returned_by=full_name(event.actor) if event and event.actor else "",
                    deadline=rows[0].deadline if rows else None,
                    items=tuple(row.text for row in rows),
                    event_id=event.pk if event else None,
                )
            )
        result[pk] = rounds
    return result
