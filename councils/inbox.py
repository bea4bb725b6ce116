"""The councils' rows in the task inbox: ballots open now for a member (casting one is not a transition)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from workflows.inbox import NOW, InboxItem

from .models import (
    AgendaItem,
    Attendance,
    AttendanceStatus,
    BallotReceipt,
    ItemState,
    Recusal,
    SessionState,
    VotingMode,
)
from .policies import ballot_seats

#: Sessions read at most; a member sits on a handful of councils, each votes one session at a time.
MAX_ITEMS = 2000


def open_ballots(user, authorities, limit: int) -> list[InboxItem]:
    """Per voting session, the items on which `user` may cast a ballot now: a member of the session's term
    (in their own name: a ballot is never delegated), recorded present, not recused (recorded, nominee or
    proposing unit), not yet voted; item by item, only the item under vote. One query, none without a seat."""
    voting_terms, secretary_terms, own_units = ballot_seats(authorities)
    if not voting_terms and not secretary_terms:
        return []
    seat = Q(session__council_term_id__in=voting_terms) | Q(
        session__council_term_id__in=secretary_terms, session__secretary_votes=True
    )
    earlier_pending = AgendaItem.objects.filter(
        session=OuterRef("session"), state=ItemState.PENDING, order__lt=OuterRef("order")
    )
    items = (
        AgendaItem.objects.filter(seat, state=ItemState.PENDING, session__state=SessionState.VOTING)
        .filter(
            Exists(
                Attendance.objects.filter(
                    session=OuterRef("session"), member=user, status=AttendanceStatus.PRESENT
                )
            )
        )
        .exclude(Exists(Recusal.objects.filter(item=OuterRef("pk"), member=user)))
        .exclude(Exists(BallotReceipt.objects.filter(item=OuterRef("pk"), member=user)))
        .exclude(nominee_user=user)
        .exclude(proposing_unit_id__in=own_units)
        .exclude(Q(session__voting_mode=VotingMode.ITEM_BY_ITEM) & Exists(earlier_pending))
        .select_related("session", "session__council_term__council")
        .order_by("session__planned_on", "session_id", "order", "pk")
    )
    by_session: dict[int, list[AgendaItem]] = {}
    for item in items[:MAX_ITEMS]:
        by_session.setdefault(item.session_id, []).append(item)
    today = timezone.localdate()
    rows = []
    for session_items in list(by_session.values())[: limit + 1]:
        session = session_items[0].session
        count = len(session_items)
        rows.append(
            InboxItem(
                subject=session,
                title=str(session),
                url=reverse("councils:session_detail", args=[session.pk]),
                kind=_("Phiếu biểu quyết"),
                actions=[_("Bỏ phiếu")],
                state=ngettext("%(n)d mục đang chờ phiếu của bạn", "%(n)d mục đang chờ phiếu của bạn", count)
                % {"n": count},
                deadline=None,
                priority=NOW,
                topic="ballot",
                note=", ".join(item.title for item in session_items[:3]) + ("…" if count > 3 else ""),
                today=today,
            )
        )
    return rows
