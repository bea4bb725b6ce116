"""Counting one agenda item: the base the threshold is computed on, the verdict, and the ItemResult pushed out."""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext as _

from workflows.engine import TransitionNotAllowed

from .models import AgendaItem, Ballot
from .registry import ItemResult, ThresholdBase
from .sealing import BrokenSeal
from .selectors import closing, present_ids, receipt_count, tally, total_members
from .thresholds import evaluate

logger = logging.getLogger(__name__)


def base_count(item: AgendaItem, *, agree: int, disagree: int, abstain: int) -> int:
    """Total members on the meeting day, members present, or valid ballots, as the item's threshold says."""
    if item.threshold_base == ThresholdBase.TOTAL_MEMBERS:
        return total_members(item.session)
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
    """Open and count the item's sealed ballots, check there is exactly one per receipt, write the counts on the
    item, and delete the ballots in the same transaction (when the whole session is closing, once for the
    session at the end): no per-ballot plaintext is ever stored. A ballot that does not open (another key, or
    altered bytes) or a count that does not match the receipts (rows added or removed outside the application)
    stops the count: the item stays open and nothing is written."""
    try:
        counts = tally(item)
    except BrokenSeal as exc:
        raise TransitionNotAllowed(
            _(
                "Không mở được phiếu kín của mục «%(item)s»: khóa niêm phong phiếu (DJANGO_BALLOT_KEY "
                "hoặc DJANGO_SECRET_KEY) đã thay đổi trong khi bỏ phiếu, hoặc dữ liệu phiếu đã bị sửa. "
                "Chưa thể kiểm phiếu."
            )
            % {"item": item.title}
        ) from exc
    ballots, receipts = sum(counts.values()), receipt_count(item)
    if ballots != receipts:
        raise TransitionNotAllowed(
            _(
                "Số phiếu kín của mục «%(item)s» (%(ballots)s) không khớp số thành viên đã bỏ phiếu "
                "(%(receipts)s): dữ liệu phiếu đã bị sửa ngoài ứng dụng. Chưa thể kiểm phiếu."
            )
            % {"item": item.title, "ballots": ballots, "receipts": receipts}
        )
    if not closing():
        Ballot.objects.filter(item=item).delete()
        transaction.on_commit(vacuum_ballots)
    apply_counts(item, **counts)


def discard_session_ballots(session) -> None:
    """Delete the sealed ballots of a session whose items have all just been counted (same transaction)."""
    Ballot.objects.filter(item__session=session).delete()
    transaction.on_commit(vacuum_ballots)


def vacuum_ballots() -> None:
    """Once the count has committed: VACUUM the ballot table on PostgreSQL, so that the deleted sealed ballots'
    dead tuples leave its pages (and an emptied table is truncated) instead of waiting for autovacuum. SQLite
    overwrites deleted content itself (PRAGMA secure_delete, project/settings.py). Never fails the request: a
    role that does not own the table only gets PostgreSQL's warning, and an error is logged."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM {Ballot._meta.db_table}")
    except DatabaseError:
        logger.exception("VACUUM of the ballot table failed; autovacuum will reclaim the counted ballots")


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
