"""A unit meeting's steps in statements, pinned (issue 19: 500 unit meetings a year-end round). Every statement
counts, those of the fixed (prepared) cursor too: a ballot sheet reads the session with its checks, the member
list, the items under their share lock, and writes the receipts and the sealed ballots with one INSERT each, with
no savepoint; the agenda lock reads the items once for its two conditions and the step itself. The checks and
the refusals are those of test_ballot_sheet.py, test_meeting_queries.py and test_ballot_storage.py."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from councils import services
from councils.models import Ballot, BallotReceipt
from tests.councils.conftest import start_voting, threshold
from workflows import engine

pytestmark = pytest.mark.django_db

ITEMS = [(f"Bằng khen cho đối tượng {n}", threshold("50")) for n in range(5)]

#: one ballot sheet: the session and its checks, the member list, the member's roles, the items, the receipts,
#: the ballots (the audit log's own statements aside; the same six before, and a savepoint with its release)
SHEET = 6
#: locking the agenda of free-form items: the session row, the items, the member list (5 before: the items
#: read three times; the audit log's statements and the state's UPDATE, which rides in them on PostgreSQL, aside)
LOCK = 3


def _sql(run) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        run()
    return [
        query["sql"]
        for query in captured.captured_queries
        if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN", "COMMIT"))
        and "workflows_audit" not in query["sql"]
        and not query["sql"].startswith('UPDATE "councils_session"')
    ]


def _savepoints(run) -> int:
    with CaptureQueriesContext(connection) as captured:
        run()
    return sum(1 for query in captured.captured_queries if query["sql"].startswith("SAVEPOINT"))


def test_a_ballot_sheet_runs_six_statements_and_no_savepoint(council, session_for):
    c = council(size=7)
    session = start_voting(session_for(c, items=ITEMS), c)
    choices = {pk: "agree" for pk in session.items.values_list("pk", flat=True)}
    services.ballot_sheet_cast(session=session, choices=choices, actor=c.voters[0])  # roles cached after
    # the test's own transaction wraps the sheet's in a savepoint: the sheet adds none of its own
    assert (
        _savepoints(lambda: services.ballot_sheet_cast(session=session, choices=choices, actor=c.voters[1]))
        == 1
    )
    sql = _sql(lambda: services.ballot_sheet_cast(session=session, choices=choices, actor=c.voters[2]))
    assert len(sql) == SHEET, sql
    inserts = [query for query in sql if query.startswith("INSERT")]
    assert [query.split('"')[1] for query in inserts] == ["councils_ballotreceipt", "councils_ballot"]
    assert BallotReceipt.objects.filter(item__session=session).count() == 3 * len(ITEMS)
    assert Ballot.objects.filter(item__session=session).count() == 3 * len(ITEMS)


def test_a_second_sheet_still_rolls_back_whole_and_is_audited(council, session_for):
    """The receipts' unique constraint (a concurrent sheet of the same member) refuses the sheet: nothing of it
    stays, and the refusal is audited as a second ballot."""
    from workflows.models import AuditEvent

    c = council(size=7)
    session = start_voting(session_for(c, items=ITEMS), c)
    items = list(session.items.order_by("pk"))
    choices = {item.pk: "agree" for item in items}
    BallotReceipt.objects.create(item=items[-1], member=c.voters[0])  # as a concurrent sheet would have
    original = services._sheet_refusal
    try:
        services._sheet_refusal = lambda *args: None  # the race: the check saw no receipt yet
        with pytest.raises(services.BallotConflict):
            services.ballot_sheet_cast(session=session, choices=choices, actor=c.voters[0])
    finally:
        services._sheet_refusal = original
    assert BallotReceipt.objects.filter(member=c.voters[0]).count() == 1
    assert Ballot.objects.count() == 0
    refused = AuditEvent.objects.get(verb="ballot_refused")
    assert refused.data["reason"] == "second_ballot"


def test_locking_the_agenda_reads_its_items_once(council, session_for):
    c = council(size=7)
    session = session_for(c, items=ITEMS)
    sql = _sql(lambda: engine.perform(session, "lock_agenda", user=c.secretary))
    assert sum(1 for query in sql if query.startswith('SELECT "councils_agendaitem"')) == 1, sql
    assert not any(query.startswith('SELECT 1 AS "a" FROM "councils_agendaitem"') for query in sql)
    assert len(sql) == LOCK, sql


def test_locking_an_empty_agenda_is_still_refused(council, session_for):
    c = council(size=7)
    session = session_for(c, items=ITEMS)
    session.items.all().delete()
    with pytest.raises(engine.TransitionNotAllowed, match="chưa có mục biểu quyết"):
        engine.perform(session, "lock_agenda", user=c.secretary)
