"""A member's whole ballot sheet in one transaction: the same rules as one ballot, all or nothing."""

import pytest

from councils import selectors, services
from councils.models import Ballot, BallotReceipt
from tests.councils.conftest import start_voting, threshold
from workflows import engine
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db

ITEMS = [
    ("Bằng khen cho bà A", threshold("50")),
    ("Bằng khen cho ông B", threshold("50")),
    ("Chiến sĩ thi đua cho ông C", threshold("90")),
]


@pytest.fixture
def voting(council, session_for):
    c = council(size=5)
    session = start_voting(session_for(c, items=ITEMS), c)
    return c, session, list(session.items.order_by("order"))


def test_a_sheet_counts_once_per_item_and_the_audit_hides_the_choices(voting):
    c, session, items = voting
    choices = {items[0].pk: "agree", items[1].pk: "disagree", items[2].pk: "agree"}
    assert services.ballot_sheet_cast(session=session, choices=choices, actor=c.chair) == 3
    assert BallotReceipt.objects.filter(member=c.chair).count() == 3
    assert [selectors.tally(item) for item in items] == [
        {"agree": 1, "disagree": 0, "abstain": 0},
        {"agree": 0, "disagree": 1, "abstain": 0},
        {"agree": 1, "disagree": 0, "abstain": 0},
    ]
    event = AuditEvent.objects.get(verb="ballot_sheet_cast")
    assert event.data == {"member": c.chair.username, "items": sorted(choices)}
    assert "agree" not in str(event.data) and "agree" not in event.comment


def test_a_second_sheet_is_refused_and_audited(voting):
    c, session, items = voting
    choices = {item.pk: "agree" for item in items}
    services.ballot_sheet_cast(session=session, choices=choices, actor=c.chair)
    with pytest.raises(services.BallotConflict):
        services.ballot_sheet_cast(session=session, choices=choices, actor=c.chair)
    assert Ballot.objects.count() == 3
    assert AuditEvent.objects.filter(verb="ballot_refused", data__reason="second_ballot").count() == 1


def test_all_or_nothing_when_one_item_is_already_closed(voting):
    c, session, items = voting
    engine.perform(items[2], "close_ballot", user=c.secretary)
    with pytest.raises(services.BallotConflict):
        services.ballot_sheet_cast(
            session=session, choices={item.pk: "agree" for item in items}, actor=c.chair
        )
    assert BallotReceipt.objects.count() == 0 and Ballot.objects.count() == 0


def test_non_member_and_absent_member_are_refused(council, session_for, person):
    c = council(size=5)
    session = start_voting(session_for(c, items=ITEMS), c, present=c.voters[:4])
    items = list(session.items.all())
    with pytest.raises(services.BallotRefused) as absent:
        services.ballot_sheet_cast(session=session, choices={items[0].pk: "agree"}, actor=c.voters[4])
    assert absent.value.code == "absent"
    with pytest.raises(services.BallotRefused) as outsider:
        services.ballot_sheet_cast(session=session, choices={items[0].pk: "agree"}, actor=person("outsider"))
    assert outsider.value.code == "not_member"
    assert Ballot.objects.count() == 0


def test_item_by_item_sessions_take_no_sheets(council, session_for):
    c = council(size=5)
    session = start_voting(session_for(c, items=ITEMS), c, mode="item_by_item")
    items = list(session.items.all())
    with pytest.raises(services.BallotConflict):
        services.ballot_sheet_cast(session=session, choices={items[0].pk: "agree"}, actor=c.chair)


def test_sheets_and_single_ballots_add_up_in_the_tally(voting):
    c, session, items = voting
    for member in c.voters[:3]:
        services.ballot_sheet_cast(
            session=session, choices={item.pk: "agree" for item in items}, actor=member
        )
    services.ballot_cast(item=items[0], choice="disagree", actor=c.voters[3])
    services.session_close_voting(session=session, user=c.secretary)
    first = items[0].__class__.objects.get(pk=items[0].pk)
    assert (first.agree_count, first.disagree_count) == (3, 1)
    assert selectors.turnout(session)[0]["received"] == 4


def test_ballot_sheet_through_the_api(voting, api):
    c, session, items = voting
    url = f"/api/sessions/{session.pk}/ballot-sheet/"
    response = api(c.chair).post(
        url, {"choices": {str(items[0].pk): "agree", str(items[1].pk): "disagree"}}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["count"] == 2
    assert api(c.chair).post(url, {"choices": {str(items[0].pk): "agree"}}, format="json").status_code == 409
    assert api(c.chair).post(url, {"choices": "agree"}, format="json").status_code == 400


def test_closing_the_session_counts_every_sealed_ballot_once_then_deletes_them(voting):
    c, session, items = voting
    for member in c.voters:
        services.ballot_sheet_cast(
            session=session, choices={item.pk: "agree" for item in items}, actor=member
        )
    assert Ballot.objects.count() == 3 * len(c.voters)
    services.session_close_voting(session=session, user=c.secretary)
    assert Ballot.objects.count() == 0
    for item in items:
        item.refresh_from_db()
        assert (item.agree_count, item.disagree_count) == (len(c.voters), 0)
        assert BallotReceipt.objects.filter(item=item).count() == len(c.voters)
