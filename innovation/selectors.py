"""Reads of the innovation app: who sees what, reviewer load, the ranking table."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Q, QuerySet, Value, When

from workflows.models import Role
from workflows.roles import authorities_of, can_read_everything, has_role

from .models import (
    PUBLISHED_ROUND_STATES,
    Initiative,
    InitiativeState,
    Review,
    ReviewAssignment,
    Round,
    RoundState,
)

UNIT_ROLES = {Role.UNIT_OFFICER, Role.UNIT_HEAD}


def is_board(user) -> bool:
    """A Board officer or head today (a superuser without the role is not: no domain powers for administrators).
    Gates the Board's pages and writes; reading everything is can_read_everything."""
    return has_role(user, Role.BOARD_OFFICER, Role.BOARD_HEAD)


#: What a published result shows to everyone signed in is rank, title, unit, authors, score and recognition;
#: these fields (the initiative's full text) stay with those who read it in full (readers_in_full_q).
FULL_TEXT_FIELDS = ("summary", "problem", "solution", "first_applied_on", "benefits", "lower_recognition")

#: Rounds whose council members read the initiatives in full: while the council sits and after it.
COUNCIL_READING_STATES = (RoundState.IN_COUNCIL, *PUBLISHED_ROUND_STATES)


def readers_in_full_q(user) -> Q | None:
    """The condition on initiatives that `user` reads in full (text and evidence): their unit's, those assigned
    to them for review, and, as a member of the round's council term, those of a round in or past the council.
    None: every initiative (the Board, auditors, the chairman)."""
    if can_read_everything(user):
        return None
    authorities = authorities_of(user)
    unit_ids = {a.unit_id for a in authorities if a.unit_id and a.role in UNIT_ROLES}
    term_ids = {a.council_term_id for a in authorities if a.council_term_id}
    assigned = ReviewAssignment.objects.filter(initiative_id=OuterRef("pk"), reviewer=user)
    return (
        Q(unit_id__in=unit_ids)
        | Q(Exists(assigned))
        | Q(round__council_term_id__in=term_ids, round__state__in=COUNCIL_READING_STATES)
    )


def initiatives_visible_to(user) -> QuerySet[Initiative]:
    """The Board, auditors and the chairman see all; a unit sees its own; council members see their term's
    rounds once reviewed; a reviewer sees the initiatives assigned to them; everyone signed in sees the
    results of published rounds. Each row carries `full_access`: whether the user reads its full text and
    evidence (readers_in_full_q) or only its published result."""
    queryset = Initiative.objects.select_related("round", "unit")
    if not getattr(user, "is_authenticated", False):
        return queryset.none().annotate(full_access=Value(False))
    in_full = readers_in_full_q(user)
    if in_full is None:
        return queryset.annotate(full_access=Value(True))
    return queryset.filter(in_full | Q(round__state__in=PUBLISHED_ROUND_STATES)).annotate(
        full_access=Case(When(in_full, then=Value(True)), default=Value(False), output_field=BooleanField())
    )


def initiatives_readable_in_full(user) -> QuerySet[Initiative]:
    """The initiatives whose full text and evidence files `user` may read."""
    return initiatives_visible_to(user).filter(full_access=True)


def can_view_initiative(user, initiative: Initiative) -> bool:
    return initiatives_visible_to(user).filter(pk=initiative.pk).exists()


def can_read_in_full(user, initiative: Initiative) -> bool:
    """The annotation when the row came from initiatives_visible_to, else one query."""
    known = getattr(initiative, "full_access", None)
    if known is not None:
        return bool(known)
    return initiatives_readable_in_full(user).filter(pk=initiative.pk).exists()


def assignments_of(user) -> QuerySet[ReviewAssignment]:
    """A reviewer's own assignments, and nothing else."""
    return (
        ReviewAssignment.objects.filter(reviewer=user)
        .select_related("initiative__round", "initiative__unit", "review")
        .order_by("initiative__round", "initiative__pk")
    )


def reviews_visible_to(user) -> QuerySet[Review]:
    """The Board sees every review; a reviewer sees their own, and the others' on an initiative only once they
    have submitted their own (and only submitted ones)."""
    queryset = Review.objects.select_related("assignment__initiative__round", "assignment__reviewer")
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    if can_read_everything(user):
        return queryset
    own_submitted = Review.objects.filter(
        assignment__initiative_id=OuterRef("assignment__initiative_id"),
        assignment__reviewer=user,
        submitted=True,
    )
    return queryset.filter(Q(assignment__reviewer=user) | (Q(submitted=True) & Exists(own_submitted)))


def reviewer_load(round_: Round) -> dict[int, int]:
    """{reviewer id: number of assignments in the round} for every reviewer of the round's pool."""
    counts = dict(
        ReviewAssignment.objects.filter(initiative__round=round_)
        .values_list("reviewer")
        .annotate(n=Count("pk"))
        .values_list("reviewer", "n")
    )
    return {user.pk: counts.get(user.pk, 0) for user in round_.reviewers.all()} | counts


@dataclass
class RankingRow:
    rank: int
    initiative: Initiative
    totals: list[Decimal]
    average: Decimal | None
    spread: Decimal | None
    spread_flagged: bool
    meets_pass_score: bool


def ranking(round_: Round) -> list[RankingRow]:
    """The round's ranking table: average of the submitted totals, highest first; the spread between reviewers
    is flagged when it exceeds the round's threshold."""
    totals: dict[int, list[Decimal]] = {}
    for initiative_id, total in Review.objects.filter(
        assignment__initiative__round=round_, submitted=True
    ).values_list("assignment__initiative_id", "total"):
        totals.setdefault(initiative_id, []).append(total)
    initiatives = (
        round_.initiatives.exclude(
            state__in=[InitiativeState.SUBMITTED, InitiativeState.RESUBMITTED, InitiativeState.RETURNED]
        )
        .select_related("unit")
        .prefetch_related("authors")
    )
    rows = []
    for initiative in initiatives:
        values = sorted(totals.get(initiative.pk, []))
        average = (sum(values) / len(values)).quantize(Decimal("0.01")) if values else None
        spread = (values[-1] - values[0]) if values else None
        rows.append(
            RankingRow(
                rank=0,
                initiative=initiative,
                totals=values,
                average=average,
                spread=spread,
                spread_flagged=spread is not None and spread > round_.spread_threshold,
                meets_pass_score=average is not None and average >= round_.pass_score,
            )
        )
    rows.sort(key=lambda row: (row.average is None, -(row.average or 0), row.initiative.pk))
    for index, row in enumerate(rows, start=1):
        row.rank = index
    return rows


def can_view_ranking(user, round_: Round) -> bool:
    """The Board (and auditors, the chairman) and the round's council members; everyone once published."""
    if round_.state in PUBLISHED_ROUND_STATES or can_read_everything(user):
        return True
    return any(a.council_term_id == round_.council_term_id for a in authorities_of(user))
