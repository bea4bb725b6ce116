"""Counting one agenda item: the base the threshold is computed on, the verdict, and the ItemResult pushed out."""

from __future__ import annotations

import random

from .models import AgendaItem, Ballot
from .registry import ItemResult, ThresholdBase
from .selectors import closing, member_ids, present_ids, tally
from .thresholds import evaluate


def base_count(item: AgendaItem, *, agree: int, disagree: int, abstain: int) -> int:
    """Total members on the meeting day, members present, or valid ballots, as the item's threshold says."""
    if item.threshold_base == ThresholdBase.TOTAL_MEMBERS:
        return len(member_ids(item.session))
    if item.threshold_base == ThresholdBase.PRESENT:
        return len(present_ids(item.session))
    return agree + disagree + abstain


def apply_counts(item: AgendaItem, *, agree: int, disagree: int, abstain: int, invalid: int = 0) -> None:
    """Write counts, base, verdict and its explanation on the item (the caller saves through the engine)."""
    base = base_count(item, agree=agree, disagree=disagree, abstain=abstain)
    verdict = evaluate(
        agree=agree,
        base=base,
        percent=item.threshold_percent,
        ratio=item.threshold_ratio,
        strict=item.threshold_strict,
    )
    item.agree_count, item.disagree_count, item.abstain_count, item.invalid_count = (
        agree,
        disagree,
        abstain,
        invalid,
    )
    item.base_count = base
    item.passed = verdict.passed
    item.result_explanation = verdict.explanation


def count_electronic(item: AgendaItem) -> None:
    """Count the item's secret ballots with one aggregate query, then re-write them in random order (when the
    whole session is closing, once for the session at the end of the same transaction)."""
    counts = tally(item)
    if not closing():
        shuffle_ballots(item)
    apply_counts(item, **counts)


def shuffle_session_ballots(session) -> None:
    """shuffle_ballots for every item of a session at once (used when the whole session closes)."""
    rows = list(Ballot.objects.filter(item__session=session).values_list("item_id", "choice"))
    random.SystemRandom().shuffle(rows)
    Ballot.objects.filter(item__session=session).delete()
    Ballot.objects.bulk_create(
        [Ballot(item_id=item_id, choice=choice) for item_id, choice in rows], batch_size=2000
    )


def shuffle_ballots(item: AgendaItem) -> None:
    """Replace the item's ballots by the same choices under new random keys, inserted in random order, so that
    the physical row order (rowid, ctid) no longer follows the order in which members voted."""
    choices = list(Ballot.objects.filter(item=item).values_list("choice", flat=True))
    random.SystemRandom().shuffle(choices)
    Ballot.objects.filter(item=item).delete()
    Ballot.objects.bulk_create([Ballot(item=item, choice=choice) for choice in choices])


def item_result(item: AgendaItem) -> ItemResult:
    return ItemResult(
        passed=bool(item.passed),
        agree=item.agree_count or 0,
        disagree=item.disagree_count or 0,
        abstain=item.abstain_count or 0,
        base_count=item.base_count or 0,
        explanation=item.result_explanation,
        session_id=item.session_id,
        item_id=item.pk,
    )
