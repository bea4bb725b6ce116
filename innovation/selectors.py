"""Reads of the innovation app: who sees what, reviewer load, the ranking table."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Q, QuerySet, Value, When

from workflows.policies import may_read_everything

from .models import (
    PUBLISHED_ROUND_STATES,
    Initiative,
    InitiativeState,
    Review,
    ReviewAssignment,
    Round,
)
from .policies import (
    COUNCIL_READING_STATES,  # noqa: F401  (read here by other modules)
    initiatives_in_full_q,
    may_view_initiative,
    may_view_ranking,
)

#: What a published result shows to everyone signed in is rank, title, unit, authors, score and recognition;
#: these fields (the initiative's full text) stay with those who read it in full (readers_in_full_q).
FULL_TEXT_FIELDS = ("summary", "problem", "solution", "first_applied_on", "benefits", "lower_recognition")


def readers_in_full_q(user) -> Q | None:
    """The condition on initiatives that `user` reads in full; None: every one (the permission layer decides:
    innovation.policies.initiatives_in_full_q; a reviewer reads through their review grant)."""
    return initiatives_in_full_q(user)


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
    return bool(may_view_initiative(user, initiative))


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
    if may_read_everything(user):
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
    return bool(may_view_ranking(user, round_))
