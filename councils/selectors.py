"""Reads: who sits on a session, attendance and quorum, recusals, turnout, tallies, what a user may see."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from workflows.db import fixed_statement_cursor
from workflows.models import UNIT_ROLES, Membership, Role
from workflows.roles import active_q

from . import sealing
from .models import (
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Ballot,
    BallotReceipt,
    ItemState,
    Recusal,
    RecusalReason,
    Session,
    SessionState,
    VotingMode,
    WrittenVote,
    WrittenVoteStatus,
)
from .thresholds import Verdict, quorum_explanation

#: Council roles that vote; the secretary votes only where the council's rule says so.
VOTING_ROLES = (
    Role.COUNCIL_CHAIR,
    Role.COUNCIL_VICE_CHAIR,
    Role.COUNCIL_STANDING_MEMBER,
    Role.COUNCIL_MEMBER,
)
CHAIR_ROLES = (Role.COUNCIL_CHAIR, Role.COUNCIL_VICE_CHAIR)


# -- reads compiled once ------------------------------------------------------------------------------------
# The meeting's hot reads (a ballot sheet's session and items, the member list) have a fixed shape: compiling
# the ORM's query costs more than its round trip. fixed_read() compiles the queryset once per shape with
# sentinel values in its slots, finds where they land among the statement's parameters, and from then on runs
# the same statement text with the real values (on PostgreSQL a prepared statement, workflows.db).

_SENTINEL_INT = -7_340_000_000_000
_FIXED_READS: dict = {}


def _sentinel(kind: str, index: int):
    return date(1001 + index, 2, 3) if kind == "date" else _SENTINEL_INT - index


def _adapted(connection, kind: str, value):
    return connection.ops.adapt_datefield_value(value) if kind == "date" else value


def _compile(queryset: QuerySet, db: str, suffix: str):
    compiler = queryset.query.get_compiler(using=db)
    sql, params = compiler.as_sql()
    columns = [column for column, _sql, _alias in compiler.select]
    return sql + suffix, list(params), compiler, compiler.get_converters(columns)


def fixed_read(
    key,
    model,
    kinds: Sequence[str],
    build: Callable[..., QuerySet],
    values: Sequence,
    *,
    suffix: str = "",
) -> tuple[object, list]:
    """(compiler, converted rows) of `build(*values)`, whose statement text depends only on `key` (and the
    database): `kinds` says what each value is ("int" or "date"). Compiled once per key; a queryset whose
    parameters do not show the sentinels (a value transformed on the way) is compiled every time instead."""
    db = router.db_for_read(model)
    connection = connections[db]
    cache_key = (key, db, connection.vendor, suffix)
    cached = _FIXED_READS.get(cache_key)
    if cached is None:
        sentinels = [_sentinel(kind, index) for index, kind in enumerate(kinds)]
        sql, params, compiler, converters = _compile(build(*sentinels), db, suffix)
        marks = {
            _adapted(connection, kind, value): index
            for index, (kind, value) in enumerate(zip(kinds, sentinels, strict=True))
        }
        slots = [
            (position, marks[param]) for position, param in enumerate(params) if _hashable(param) in marks
        ]
        found = {index for _position, index in slots}
        cached = (sql, params, slots, compiler, converters) if len(found) == len(kinds) else False
        _FIXED_READS[cache_key] = cached
    if cached is False or any(value is None for value in values):  # None: the ORM writes IS NULL
        try:
            sql, params, compiler, converters = _compile(build(*values), db, suffix)
        except EmptyResultSet:
            return None, []
    else:
        sql, params, slots, compiler, converters = cached
        params = list(params)
        for position, index in slots:
            params[position] = _adapted(connection, kinds[index], values[index])
    with fixed_statement_cursor(connection) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if converters:
        rows = list(compiler.apply_converters(rows, converters))
    return compiler, rows


def _hashable(value):
    try:
        hash(value)
    except TypeError:
        return None
    return value


def fixed_instances(compiler, rows) -> list:
    """The model instances (with their annotations) of fixed_read() rows of a model queryset."""
    if not rows:
        return []
    info = compiler.klass_info
    fields = info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    model = info["model"]
    attnames = [column.target.attname for column, _sql, _alias in compiler.select[start:end]]
    annotations = list(compiler.annotation_col_map.items())
    db = compiler.using
    objects = []
    for row in rows:
        obj = model.from_db(db, attnames, row[start:end])
        for name, position in annotations:
            setattr(obj, name, row[position])
        objects.append(obj)
    return objects


def voting_roles(session: Session) -> tuple[str, ...]:
    return (*VOTING_ROLES, Role.COUNCIL_SECRETARY) if session.secretary_votes else VOTING_ROLES


#: While a whole session is being closed, its member list is read once (see closing_session()).
_CLOSING: ContextVar[dict | None] = ContextVar("councils_closing", default=None)


@contextmanager
def closing_session(locked: Session | None = None):
    """Within one operation that closes a session, memberships do not change: read the member list once, and
    let the caller rewrite ballots once for the session instead of once per item. `locked`, the session row the
    caller has locked, is what its items' checks read as their session (closing_session_row), not a fresh copy
    per item."""
    token = _CLOSING.set({} if locked is None else {("session", locked.pk): locked})
    try:
        yield
    finally:
        _CLOSING.reset(token)


def closing_session_row(session_id) -> Session | None:
    """The locked row of the session being closed (closing_session(locked)), if `session_id` is it."""
    cache = _CLOSING.get()
    return cache.get(("session", session_id)) if cache is not None else None


def closing() -> bool:
    return _CLOSING.get() is not None


def member_ids(session: Session) -> set[int]:
    """Voting members of the session's term on the meeting day (members who left before it do not count)."""
    cache = _CLOSING.get()
    if cache is not None and session.pk in cache:
        return cache[session.pk]
    roles = voting_roles(session)
    _compiler, rows = fixed_read(
        ("member_ids", roles),
        Membership,
        ("date", "int"),
        lambda day, term: Membership.objects.filter(
            active_q(day), council_term=term, role__in=roles
        ).values_list("user_id"),
        (session.planned_on, session.council_term_id),
    )
    ids = {row[0] for row in rows}
    if cache is not None:
        cache[session.pk] = ids
    return ids


def total_members(session: Session) -> int:
    """THE "total members" of a session (tổng số thành viên): its voting members on the meeting day, the secretary
    among them only where the council's rule says the secretary votes (Session.secretary_votes, copied from
    CouncilRule). The quorum, the count recorded when the meeting opens, a threshold computed on all members and
    the minutes all read this number."""
    return len(member_ids(session))


def members(session: Session) -> list:
    return list(
        get_user_model()
        .objects.filter(pk__in=member_ids(session))
        .order_by("first_name", "last_name", "username")
    )


def attendance_map(session: Session) -> dict[int, Attendance]:
    return {a.member_id: a for a in session.attendances.all()}


def present_ids(session: Session, members: set[int] | None = None) -> set[int]:
    """Voting members present (`members`: member_ids(session) when the caller has it already)."""
    present = set(
        session.attendances.filter(status=AttendanceStatus.PRESENT).values_list("member_id", flat=True)
    )
    return present & (member_ids(session) if members is None else members)


@dataclass(frozen=True)
class Quorum:
    present: int
    total: int
    met: bool
    explanation: str
    required: int = 0  # the fewest members present that reach the rule
    rule: str = ""  # "2/3"

    @property
    def refusal(self) -> str:
        """Why the meeting cannot proceed, with the figures: "Chỉ 9/22 thành viên có mặt, chưa đủ 2/3 (15)"."""
        return _("Chỉ %(present)s/%(total)s thành viên có mặt, chưa đủ %(rule)s (%(required)s)") % {
            "present": self.present,
            "total": self.total,
            "rule": self.rule,
            "required": self.required,
        }


def quorum(session: Session) -> Quorum:
    """Present members against the session's rule (DOMAIN.md §3: ≥ 2/3 of members by default), over
    total_members(). While the whole session closes (closing_session(), the session row locked, so attendance
    cannot change) it is computed once for the session, not once per item."""
    cache = _CLOSING.get()
    key = ("quorum", session.pk)
    if cache is not None and key in cache:
        return cache[key]
    members = member_ids(session)  # total_members(), read once for both figures
    total = len(members)
    present = len(present_ids(session, members))
    numerator, denominator = session.quorum_numerator, session.quorum_denominator
    verdict: Verdict = quorum_explanation(
        present=present, total=total, numerator=numerator, denominator=denominator
    )
    required = max(1, -(-numerator * total // denominator)) if total else 1
    result = Quorum(
        present, total, verdict.passed, verdict.explanation, required, f"{numerator}/{denominator}"
    )
    if cache is not None:
        cache[key] = result
    return result


def automatic_recusals(item: AgendaItem) -> dict[int, str]:
    """{member id: reason} for members who must not vote on the item: the nominee, members of the proposing unit."""
    session = item.session
    result: dict[int, str] = {}
    ids = member_ids(session)
    if item.proposing_unit_id:
        in_unit = Membership.objects.filter(
            active_q(session.planned_on), unit_id=item.proposing_unit_id, role__in=UNIT_ROLES, user_id__in=ids
        ).values_list("user_id", flat=True)
        for user_id in in_unit:
            result[user_id] = RecusalReason.PROPOSING_UNIT
    if item.nominee_user_id and item.nominee_user_id in ids:
        result[item.nominee_user_id] = RecusalReason.NOMINEE
    return result


def automatic_recusals_many(
    session: Session, items: list[AgendaItem], *, ids: set[int] | None = None
) -> dict[int, dict[int, str]]:
    """automatic_recusals() for every item of `session` at once, {item id: {member id: reason}}: the members and
    the proposing units' memberships read in two queries, whatever the number of items (lock_agenda, the batch of
    agenda_subjects_add); `ids`: the session's member_ids() the caller read already."""
    if ids is None:
        ids = member_ids(session)
    units = {item.proposing_unit_id for item in items if item.proposing_unit_id}
    in_unit: dict[int, set[int]] = {}
    if units and ids:
        for unit_id, user_id in Membership.objects.filter(
            active_q(session.planned_on), unit_id__in=units, role__in=UNIT_ROLES, user_id__in=ids
        ).values_list("unit_id", "user_id"):
            in_unit.setdefault(unit_id, set()).add(user_id)
    result: dict[int, dict[int, str]] = {}
    for item in items:
        found = {user_id: RecusalReason.PROPOSING_UNIT for user_id in in_unit.get(item.proposing_unit_id, ())}
        if item.nominee_user_id and item.nominee_user_id in ids:
            found[item.nominee_user_id] = RecusalReason.NOMINEE
        result[item.pk] = found
    return result


def unit_ids_of(user, day) -> set[int]:
    """Units where `user` holds a unit role on `day` (for the proposing-unit recusal rule)."""
    return set(
        Membership.objects.filter(
            active_q(day), user=user, role__in=UNIT_ROLES, unit__isnull=False
        ).values_list("unit_id", flat=True)
    )


def recusal_reason(item: AgendaItem, user) -> str | None:
    """Why `user` does not vote on `item` (recorded recusal or an automatic rule), or None."""
    recorded = item.recusals.filter(member=user).values_list("reason", flat=True).first()
    if recorded:
        return recorded
    return automatic_recusals(item).get(user.pk)


def recused_ids(item: AgendaItem) -> set[int]:
    return set(item.recusals.values_list("member_id", flat=True)) | set(automatic_recusals(item))


def open_item(session: Session) -> AgendaItem | None:
    """In item-by-item voting, the one item whose ballot is open: the first not yet counted."""
    return session.items.filter(state=ItemState.PENDING).order_by("order", "pk").first()


def ballot_open(item: AgendaItem) -> bool:
    """Electronic ballots are accepted while the session is voting and the item is still pending (and, item by
    item, it is the item under vote)."""
    session = item.session
    if session.state != SessionState.VOTING or item.state != ItemState.PENDING:
        return False
    if session.voting_mode == VotingMode.ITEM_BY_ITEM:
        current = open_item(session)
        return current is not None and current.pk == item.pk
    return True


def present_not_voted(session: Session) -> list:
    """Present members who have not yet cast a ballot on some open item they may vote on: what closing the
    voting now would leave out (they could no longer vote)."""
    present = present_ids(session)
    voted: dict[int, set[int]] = {}
    for item_id, member_id in BallotReceipt.objects.filter(
        item__session=session, item__state=ItemState.PENDING
    ).values_list("item", "member"):
        voted.setdefault(item_id, set()).add(member_id)
    missing: set[int] = set()
    for item in session.items.filter(state=ItemState.PENDING):
        missing |= present - recused_ids(item) - voted.get(item.pk, set())
    return [member for member in members(session) if member.pk in missing]


def recusals_by_item(session: Session, items: list[AgendaItem]) -> dict[int, set[int]]:
    """recused_ids() for many items of one session: the recorded recusals in one query, the automatic ones from
    automatic_recusals_many (not three queries per item)."""
    recorded: dict[int, set[int]] = {}
    for item_id, member_id in Recusal.objects.filter(item__in=[item.pk for item in items]).values_list(
        "item_id", "member_id"
    ):
        recorded.setdefault(item_id, set()).add(member_id)
    automatic = automatic_recusals_many(session, items)
    return {item.pk: recorded.get(item.pk, set()) | set(automatic[item.pk]) for item in items}


def turnout(session: Session) -> list[dict]:
    """Per item: ballots received and members eligible to vote (no content). A fixed number of queries, whatever
    the number of items (a council may vote 300 items in one sitting)."""
    received = dict(
        BallotReceipt.objects.filter(item__session=session)
        .values("item")
        .annotate(n=Count("pk"))
        .values_list("item", "n")
    )
    members = member_ids(session)
    present = present_ids(session)
    written = set(
        session.attendances.filter(status=AttendanceStatus.ABSENT_WRITTEN).values_list("member_id", flat=True)
    )
    items = list(session.items.order_by("order", "pk"))
    recusals = recusals_by_item(session, items)
    voting = session.state == SessionState.VOTING
    current = open_item(session) if voting and session.voting_mode == VotingMode.ITEM_BY_ITEM else None
    rows = []
    for item in items:
        recused = recusals[item.pk]
        is_open = voting and item.state == ItemState.PENDING
        if session.voting_mode == VotingMode.ITEM_BY_ITEM:
            is_open = is_open and current is not None and current.pk == item.pk
        rows.append(
            {
                "item": item,
                "received": received.get(item.pk, 0),
                "eligible": len((present | written) - recused),
                "recused": len(recused & members),
                "open": is_open,
            }
        )
    return rows


def _open_counts(rows) -> dict[int, dict[str, int]]:
    """{item id: {choice: count}} from (item id, sealed ballot) rows; sealing.BrokenSeal if one does not open."""
    counts: dict[int, dict[str, int]] = {}
    for item_id, sealed in rows:
        choice = sealing.open_choice(item_id, sealed)
        per_item = counts.setdefault(item_id, {"agree": 0, "disagree": 0, "abstain": 0})
        if choice not in per_item:
            raise sealing.BrokenSeal(f"unknown choice in a ballot of item {item_id}")
        per_item[choice] += 1
    return counts


def preload_tallies(session: Session, item_ids: list[int]) -> None:
    """While a whole session closes: open and count the sealed ballots of all its items with one query, and
    count their receipts with another. The caller holds the items' row locks, so no ballot can be added to
    them before the transaction ends."""
    cache = _CLOSING.get()
    if cache is None:
        raise RuntimeError("preload_tallies() belongs inside closing_session()")
    kinds, shape = ("int",) * len(item_ids), len(item_ids)
    try:
        opened = _open_counts(
            fixed_read(
                ("session_ballots", shape),
                Ballot,
                kinds,
                lambda *ids: (
                    Ballot.objects.filter(item_id__in=ids).values_list("item_id", "sealed").order_by()
                ),
                item_ids,
            )[1]
            if item_ids
            else []
        )
    except sealing.BrokenSeal:
        return  # each item is then counted on its own, and the one that does not open says so
    counts = {pk: opened.get(pk, {"agree": 0, "disagree": 0, "abstain": 0}) for pk in item_ids}
    receipts = dict(
        fixed_read(
            ("session_receipts", shape),
            BallotReceipt,
            kinds,
            lambda *ids: (
                BallotReceipt.objects.filter(item_id__in=ids)
                .values("item")
                .annotate(n=Count("pk"))
                .values_list("item", "n")
                .order_by()
            ),
            item_ids,
        )[1]
        if item_ids
        else []
    )
    cache[("tallies", session.pk)] = counts
    cache[("receipts", session.pk)] = receipts


def tally(item: AgendaItem) -> dict[str, int]:
    """Counts per choice of an item's electronic and confirmed written ballots, opened from their seals (or from
    the session's grouped count while the whole session closes). Raises sealing.BrokenSeal when a ballot does
    not open with the current key."""
    cache = _CLOSING.get()
    preloaded = cache.get(("tallies", item.session_id)) if cache is not None else None
    if preloaded is not None and item.pk in preloaded:
        return dict(preloaded[item.pk])
    opened = _open_counts(Ballot.objects.filter(item=item).values_list("item_id", "sealed").order_by())
    return opened.get(item.pk, {"agree": 0, "disagree": 0, "abstain": 0})


def receipt_count(item: AgendaItem) -> int:
    """How many members have a receipt for the item (from the session's grouped count while it closes)."""
    cache = _CLOSING.get()
    preloaded = cache.get(("receipts", item.session_id)) if cache is not None else None
    if preloaded is not None:
        return preloaded.get(item.pk, 0)
    return BallotReceipt.objects.filter(item=item).count()


def pending_written_votes(session: Session) -> list[WrittenVote]:
    return list(
        session.written_votes.filter(status=WrittenVoteStatus.PENDING).select_related("member").order_by("pk")
    )


def pending_written_item_ids(session: Session) -> set[int]:
    """Items a written vote awaiting confirmation has choices for (they cannot be counted before it is decided);
    read once while the whole session closes."""
    cache = _CLOSING.get()
    key = ("pending_written", session.pk)
    if cache is not None and key in cache:
        return cache[key]
    ids = {
        int(pk)
        for item_ids in session.written_votes.filter(status=WrittenVoteStatus.PENDING).values_list(
            "item_ids", flat=True
        )
        for pk in item_ids
    }
    if cache is not None:
        cache[key] = ids
    return ids


def sessions_visible_to(user) -> QuerySet[Session]:
    """The sessions `user` may open (councils.policies.may_view_session): every session for the Board, auditors
    and the chairman; the sessions of their terms for council people; the one an expert was invited to."""
    from .policies import visible_sessions_q

    sessions = Session.objects.select_related("council_term__council")
    scope = visible_sessions_q(user)
    return sessions if scope is None else sessions.filter(scope)


def can_view_session(user, session: Session) -> bool:
    from .policies import may_view_session

    return may_view_session(user, session).allowed


def session_experts(session: Session) -> list:
    """The outside experts invited to `session` (holders of its councils.attend_session grant), by name."""
    from workflows.policies import grantees

    from .policies import EXPERT_GRANT

    return list(grantees(EXPERT_GRANT, session).order_by("first_name", "last_name", "username"))


def recusals_of(item: AgendaItem) -> QuerySet[Recusal]:
    return item.recusals.select_related("member")
