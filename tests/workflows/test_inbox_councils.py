"""The task inbox of council members: a ballot open for them is the first row, until they have voted; not
for an absent or recused member, nor before voting opens; item by item, only the item under vote."""

from datetime import timedelta

from django.utils import timezone

from councils import services
from tests.councils import conftest as councils_fixtures
from tests.councils.conftest import start_voting, threshold
from workflows.audit import SYSTEM
from workflows.inbox import NOW
from workflows.models import Role
from workflows.roles import forget_cached_authorities
from workflows.selectors import inbox
from workflows.services import delegation_create

council, session_for = councils_fixtures.council, councils_fixtures.session_for  # the councils' fixtures

ITEMS = [("Bằng khen cho ông A", threshold("50")), ("Bằng khen cho bà B", threshold("50"))]


def ballots(user):
    forget_cached_authorities(user)
    return [task for task in inbox(user).tasks if task.topic == "ballot"]


def test_open_ballot_is_in_a_present_members_inbox_until_cast(council, session_for):
    c = council(size=5)
    session = session_for(c, items=ITEMS)
    member = c.members[0]
    assert ballots(member) == []  # convened, voting not open
    start_voting(session, c)
    rows = ballots(member)
    assert len(rows) == 1
    row = rows[0]
    assert row.subject == session and row.priority == NOW
    assert row.actions == ["Bỏ phiếu"] and row.state == "2 mục đang chờ phiếu của bạn"
    assert row.url == session.get_absolute_url()
    assert inbox(member).tasks[0].topic == "ballot"
    services.ballot_sheet_cast(
        session=session, choices={item.pk: "agree" for item in session.items.all()}, actor=member
    )
    assert ballots(member) == []
    assert len(ballots(c.members[1])) == 1  # the others still have theirs


def test_absent_member_secretary_delegate_and_recused_member(council, session_for, person):
    c = council(size=5)
    session = session_for(c, items=ITEMS)
    absent = c.members[2]
    delegate = person("delegate")
    today = timezone.localdate()
    delegation_create(
        delegator=absent,
        delegate=delegate,
        role=Role.COUNCIL_MEMBER,
        council_term=c.term,
        actor=SYSTEM,
        valid_from=today,
        valid_to=today + timedelta(days=30),
    )
    start_voting(session, c, present=[m for m in c.voters if m != absent])
    assert ballots(absent) == []  # votes in writing through the secretary
    assert ballots(delegate) == []  # a ballot is personal: never cast through a delegation
    assert ballots(c.secretary) == []  # the secretary does not vote under this council's rule
    recused = c.members[0]
    first = session.items.order_by("order").first()
    services.recusal_declare(item=first, member=recused, note="Người thân", actor=recused)
    assert ballots(recused)[0].state == "1 mục đang chờ phiếu của bạn"


def test_item_by_item_shows_only_the_item_under_vote(council, session_for):
    c = council(size=5)
    start_voting(session_for(c, items=ITEMS), c, mode="item_by_item")
    rows = ballots(c.members[0])
    assert len(rows) == 1 and rows[0].state == "1 mục đang chờ phiếu của bạn"
    assert rows[0].note == "Bằng khen cho ông A"


def test_chair_sees_the_ballot_before_closing_the_vote(council, session_for):
    c = council(size=5)
    session = start_voting(session_for(c, items=ITEMS), c)
    forget_cached_authorities(c.chair)
    rows = inbox(c.chair).tasks
    assert rows[0].topic == "ballot"
    assert any(row.subject == session and "Kết thúc bỏ phiếu" in row.actions for row in rows[1:])
    services.session_close_voting(session=session, user=c.chair)
    assert ballots(c.chair) == []


def test_ballot_shows_on_the_home_page(client, council, session_for):
    c = council(size=5)
    session = start_voting(session_for(c, items=ITEMS), c)
    client.force_login(c.members[0])
    page = client.get("/").content.decode()
    assert "Phiếu biểu quyết" in page and "Bỏ phiếu" in page and session.title in page
    assert "Hiện không có việc nào" not in page
