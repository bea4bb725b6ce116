"""A council meeting's fixed cost in statements (issue 19: a year-end round holds 500 unit-council meetings, each
lock, roster, open, open voting, seven ballot sheets and the close): a transition reads its conditions once, not
once in engine.check and again as viewflow begins it; the quorum reads the member list once; a ballot sheet reads
the member's recusals and proposing-unit roles with the session, the items with their share lock; closing the
session reads the member list once for the items' counts and its own step. The checks are the same: each
refusal is still given, with its reason."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from councils import registry, selectors, services
from councils.models import Recusal
from tests.councils.conftest import attend, start_voting, threshold
from tests.query_counting import counting as _counting
from workflows import engine
from workflows.audit import SYSTEM
from workflows.models import AuditEvent, Role
from workflows.services import membership_grant

pytestmark = pytest.mark.django_db

ITEMS = [(f"Bằng khen cho đối tượng {n}", threshold("50")) for n in range(4)]


def _statements(run, table=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        run()
    return sum(1 for query in captured.captured_queries if table is None or f'"{table}"' in query["sql"])


def test_locking_the_agenda_asks_the_lock_checks_once(council, session_for, monkeypatch):
    c = council(size=7)
    session = session_for(c, items=ITEMS)
    asked = _counting(monkeypatch, registry, "lock_refusals")
    engine.perform(session, "lock_agenda", user=c.secretary)
    assert len(asked) == 1  # engine.check's answer is the transition's: not asked again as it begins


def test_a_batch_still_asks_each_object_again_as_its_transition_begins(council, session_for, monkeypatch):
    """engine.perform_many checks every object before any transition runs; each transition's start asks its
    conditions again, after its siblings' transitions: the once-per-transition answer is not reused there."""
    c = council(size=7)
    sessions = [session_for(c, items=ITEMS), session_for(c, items=ITEMS)]
    asked = _counting(monkeypatch, registry, "lock_refusals")
    engine.perform_many(sessions, "lock_agenda", user=c.secretary)
    assert len(asked) == 4


def test_a_condition_refused_at_the_check_is_refused_with_its_reason(council, session_for):
    c = council(size=7)
    session = session_for(c, items=ITEMS)
    engine.perform(session, "lock_agenda", user=c.secretary)
    attend(session, c, c.voters[:2], c.voters[2:])
    with pytest.raises(engine.TransitionNotAllowed, match="Chưa thể khai mạc phiên họp: Chỉ 2/7"):
        engine.perform(session, "open", user=c.chair)
    attend(session, c, c.voters)
    engine.perform(session, "open", user=c.chair)  # the same flow is never reused: read afresh, now met
    session.refresh_from_db()
    assert (session.state, session.member_count, session.present_count) == ("opened", 7, 7)


def test_opening_reads_the_members_and_the_attendance_once(council, session_for):
    c = council(size=7)
    session = session_for(c, items=ITEMS)
    engine.perform(session, "lock_agenda", user=c.secretary)
    attend(session, c, c.voters)
    opening = lambda: engine.perform(session, "open", user=c.chair)  # noqa: E731
    # the quorum condition, read once (not twice), and the opening records its figures (six membership reads
    # and three attendance reads before)
    with CaptureQueriesContext(connection) as captured:
        opening()
    sql = [query["sql"] for query in captured.captured_queries]
    assert sum(1 for query in sql if '"workflows_membership"' in query) == 1
    assert sum(1 for query in sql if query.startswith('SELECT "councils_attendance"')) == 1
    session.refresh_from_db()
    assert (session.member_count, session.present_count) == (7, 7)
    assert (
        _statements(
            lambda: engine.perform(
                session, "open_voting", user=c.secretary, data={"voting_mode": "all_items"}
            ),
            "workflows_membership",
        )
        == 1
    )


def test_a_ballot_sheet_runs_the_same_statements_for_3_items_as_for_30(council, session_for, a_unit):
    counts = {}
    for size in (3, 30):
        c = council(size=5)
        session = start_voting(
            session_for(c, items=[(f"Mục {n}", threshold("50")) for n in range(size)], unit=a_unit), c
        )
        choices = {pk: "agree" for pk in session.items.values_list("pk", flat=True)}
        counts[size] = _statements(
            lambda s=session, ch=choices, m=c.chair: services.ballot_sheet_cast(
                session=s, choices=ch, actor=m
            )
        )
    assert counts[3] == counts[30], counts


def test_a_ballot_sheet_reads_recusals_and_unit_roles_with_the_session(council, session_for, a_unit):
    c = council(size=5)
    session = start_voting(session_for(c, items=ITEMS, unit=a_unit), c)
    choices = {pk: "agree" for pk in session.items.values_list("pk", flat=True)}
    with CaptureQueriesContext(connection) as captured:
        services.ballot_sheet_cast(session=session, choices=choices, actor=c.chair)
    sql = [query["sql"] for query in captured.captured_queries]
    # no recusal recorded and no unit role in the proposing unit: answered inside the session's one statement
    assert not any(query.startswith('SELECT "councils_recusal"') for query in sql)
    assert sum(1 for query in sql if query.startswith('SELECT "workflows_membership"."unit_id"')) == 0
    # the voting members (the policy's seat check) is the only other membership read
    assert sum(1 for query in sql if '"workflows_membership"' in query) == 2
    assert sum(1 for query in sql if query.startswith('SELECT "councils_agendaitem"')) == 1


def test_a_unit_role_taken_after_the_lock_still_recuses_from_the_sheet(council, session_for, a_unit):
    """The lock recorded no recusal for this member; a unit role in the proposing unit on the meeting day, taken
    since, still refuses the sheet as an automatic recusal, naming the first item in agenda order."""
    c = council(size=5)
    session = start_voting(session_for(c, items=ITEMS, unit=a_unit), c)
    membership_grant(user=c.members[0], role=Role.UNIT_OFFICER, unit=a_unit, actor=SYSTEM)
    assert not Recusal.objects.filter(member=c.members[0]).exists()
    choices = {pk: "agree" for pk in session.items.values_list("pk", flat=True)}
    with pytest.raises(services.BallotRefused, match=ITEMS[0][0]) as refused:
        services.ballot_sheet_cast(session=session, choices=choices, actor=c.members[0])
    assert refused.value.code == "recused"
    assert AuditEvent.objects.filter(verb="ballot_refused", data__reason="recused").count() == 1


def test_a_recorded_recusal_still_refuses_the_sheet(council, session_for):
    c = council(size=5)
    session = start_voting(session_for(c, items=ITEMS), c)
    item = session.items.order_by("order").last()
    services.recusal_declare(item=item, member=c.members[1], note="Người thân", actor=c.members[1])
    choices = {pk: "agree" for pk in session.items.values_list("pk", flat=True)}
    with pytest.raises(services.BallotRefused, match=item.title) as refused:
        services.ballot_sheet_cast(session=session, choices=choices, actor=c.members[1])
    assert refused.value.code == "recused"


def test_closing_reads_the_member_list_once(council, session_for):
    c = council(size=7)
    session = start_voting(session_for(c, items=ITEMS), c)
    choices = {pk: "agree" for pk in session.items.values_list("pk", flat=True)}
    for member in c.voters:
        services.ballot_sheet_cast(session=session, choices=choices, actor=member)
    closing = lambda: services.session_close_voting(session=session, user=c.secretary)  # noqa: E731
    # the items' counts and the session's own step are one closing: the members read once (six times before)
    assert _statements(closing, "workflows_membership") == 1
    session.refresh_from_db()
    assert (session.state, session.present_count) == ("voting_closed", 7)
    assert all(item.passed for item in session.items.all())
    assert selectors.quorum(session).met
