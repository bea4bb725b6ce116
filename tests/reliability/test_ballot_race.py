"""Concurrent voting on several items (PostgreSQL): every member sends their ballot sheet twice at the same
moment. Each ballot is counted exactly once, and the second sheet is refused by the DATABASE: with the
service's own "already voted?" check bypassed, the unique constraint on ballot receipts still refuses it.

(tests/councils/test_ballots.py already races 30 members' single ballots on one item, one after the other
per member; this adds many items, simultaneous doubles, and the constraint proven on its own.)
"""

from unittest import mock

import pytest
from django.db import IntegrityError

from councils import selectors, services
from councils.models import Ballot, BallotReceipt
from tests.councils.conftest import council, session_for, start_voting, threshold  # noqa: F401
from workflows.models import AuditEvent

from .conftest import chain_is_intact, postgres_only, run_in_threads

pytestmark = [pytest.mark.postgres, postgres_only(), pytest.mark.django_db(transaction=True)]

MEMBERS = 15
ITEMS = [
    ("Bằng khen cho bà A", threshold("50")),
    ("Bằng khen cho ông B", threshold("50")),
    ("Chiến sĩ thi đua thành phố cho ông C", threshold("90")),
    ("Cờ thi đua cho Quận Ninh Kiều", threshold("90")),
]
CHOICES = ("agree", "disagree", "agree")


class ReceiptSpy:
    """Wraps the service's receipts insert (services._insert_rows, one INSERT of a sheet's receipts) to record
    what the database refused."""

    def __init__(self):
        self.refused = []

    def wrap(self, method):
        def wrapper(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except IntegrityError as exc:
                self.refused.append(str(exc))
                raise

        return wrapper


def sheet_for(index, items):
    return {item.pk: CHOICES[(index + position) % 3] for position, item in enumerate(items)}


def expected_tally(voters, items):
    tally = {item.pk: {"agree": 0, "disagree": 0, "abstain": 0} for item in items}
    for index in range(len(voters)):
        for item_pk, choice in sheet_for(index, items).items():
            tally[item_pk][choice] += 1
    return tally


@pytest.mark.parametrize("python_check", ["on", "bypassed"])
def test_every_member_sends_the_sheet_twice_at_once_and_each_ballot_counts_once(
    council,  # noqa: F811
    session_for,  # noqa: F811
    python_check,
):
    c = council(size=MEMBERS)
    session = start_voting(session_for(c, items=ITEMS), c)
    items = list(session.items.order_by("order"))
    voters = c.voters
    assert len(voters) == MEMBERS
    spy = ReceiptSpy()

    def cast(index):
        member = voters[index % MEMBERS]
        return services.ballot_sheet_cast(
            session=session, choices=sheet_for(index % MEMBERS, items), actor=member
        )

    with mock.patch.object(services, "_insert_rows", spy.wrap(services._insert_rows)):
        if python_check == "bypassed":  # only the database stands between a member and a second sheet
            with mock.patch.object(services, "_sheet_refusal", lambda *args, **kwargs: None):
                results, errors = run_in_threads(2 * MEMBERS, cast)
        else:
            results, errors = run_in_threads(2 * MEMBERS, cast)

    assert sorted(r for r in results if r is not None) == [len(items)] * MEMBERS
    refused = [e for e in errors if e is not None]
    assert len(refused) == MEMBERS
    assert all(isinstance(e, services.BallotConflict) and e.code == "second_ballot" for e in refused)
    for index in range(MEMBERS):  # one of each member's two sheets went through
        assert (results[index] is None) != (results[index + MEMBERS] is None)
    if python_check == "bypassed":
        assert len(spy.refused) == MEMBERS
        assert all("ballot_receipt_once_per_member" in message for message in spy.refused)

    assert BallotReceipt.objects.count() == Ballot.objects.count() == MEMBERS * len(items)
    for item in items:
        assert BallotReceipt.objects.filter(item=item).count() == MEMBERS
        assert selectors.tally(item) == expected_tally(voters, items)[item.pk]
    assert AuditEvent.objects.filter(verb="ballot_sheet_cast").count() == MEMBERS
    assert AuditEvent.objects.filter(verb="ballot_refused", data__reason="second_ballot").count() == MEMBERS
    # closing opens, counts and deletes the sealed ballots
    services.session_close_voting(session=session, user=c.secretary)
    assert Ballot.objects.count() == 0
    for item in items:
        item.refresh_from_db()
        counts = expected_tally(voters, items)[item.pk]
        assert (item.agree_count, item.disagree_count) == (counts["agree"], counts["disagree"])
    assert chain_is_intact()


def test_single_ballots_sent_twice_at_once_with_the_check_bypassed_are_refused_by_the_constraint(
    council,  # noqa: F811
    session_for,  # noqa: F811
):
    c = council(size=MEMBERS)
    session = start_voting(session_for(c, items=ITEMS[:1]), c)
    item = session.items.get()
    voters = c.voters
    spy = ReceiptSpy()

    def cast(index):
        return services.ballot_cast(item=item, choice="agree", actor=voters[index % MEMBERS])

    with (
        mock.patch.object(BallotReceipt.objects, "create", spy.wrap(BallotReceipt.objects.create)),
        mock.patch.object(services, "_refusal", lambda *args, **kwargs: None),
    ):
        results, errors = run_in_threads(2 * MEMBERS, cast)

    assert sum(r is not None for r in results) == MEMBERS
    assert [e.code for e in errors if e is not None] == ["second_ballot"] * MEMBERS
    assert len(spy.refused) == MEMBERS
    assert all("ballot_receipt_once_per_member" in message for message in spy.refused)
    assert (
        BallotReceipt.objects.filter(item=item).count() == Ballot.objects.filter(item=item).count() == MEMBERS
    )
    assert selectors.tally(item) == {"agree": MEMBERS, "disagree": 0, "abstain": 0}
    assert chain_is_intact()
