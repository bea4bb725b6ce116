"""Council rules for the whole meeting (issue 16, DOMAIN.md §3): the quorum is checked when the meeting opens,
when voting opens, when each item is counted and when voting closes; whether the secretary votes is a council
rule, and member counts, quorum and thresholds all read the same "total members" (selectors.total_members)."""

import pytest

from councils import selectors, services
from councils.models import Ballot, ItemState, SessionState
from councils.registry import ThresholdBase
from workflows import engine
from workflows.lifecycle import lifecycle_for
from workflows.models import AuditEvent

from .conftest import attend, threshold

pytestmark = pytest.mark.django_db

# 22 voting members: 2/3 of 22 is 14,67, so 15 must be present.
SIZE = 22
NINE_OF_22 = "Chỉ 9/22 thành viên có mặt, chưa đủ 2/3 (15)"
FOURTEEN_OF_22 = "Chỉ 14/22 thành viên có mặt, chưa đủ 2/3 (15)"


def _opened(c, session, present=None):
    """Lock the agenda, mark `present` (every voter by default) present and the others absent, open the meeting."""
    engine.perform(session, "lock_agenda", user=c.secretary)
    present = c.voters if present is None else present
    attend(session, c, present, [m for m in c.voters if m not in present])
    engine.perform(session, "open", user=c.chair)
    session.refresh_from_db()
    return session


def _mark(session, c, members, status):
    for member in members:
        services.attendance_record(session=session, member=member, status=status, actor=c.secretary)


def _check(obj, name, user):
    return engine.check(lifecycle_for(obj)(obj), name, user)


# -- when the meeting opens ---------------------------------------------------------------------------------
def test_meeting_opens_at_quorum_and_not_one_below(council, session_for):
    c = council(size=SIZE)
    session = session_for(c)
    engine.perform(session, "lock_agenda", user=c.secretary)
    attend(session, c, c.voters[:14], c.voters[14:])
    with pytest.raises(engine.TransitionNotAllowed) as refused:
        engine.perform(session, "open", user=c.chair)
    assert FOURTEEN_OF_22 in refused.value.message
    _mark(session, c, [c.voters[14]], "present")
    engine.perform(session, "open", user=c.chair)
    session.refresh_from_db()
    assert (session.state, session.member_count, session.present_count) == (SessionState.OPENED, 22, 15)


# -- when voting opens --------------------------------------------------------------------------------------
def test_members_marked_absent_after_opening_stop_voting_from_opening(council, session_for):
    c = council(size=SIZE)
    session = _opened(c, session_for(c))
    _mark(session, c, c.voters[9:], "absent")  # 9 of 22 remain
    verdict = _check(session, "open_voting", c.secretary)
    assert (verdict.allowed, verdict.status) == (False, 409)
    assert NINE_OF_22 in verdict.reason  # the engine's check() reports it: the lifecycle panel shows why
    with pytest.raises(engine.TransitionNotAllowed) as refused:
        engine.perform(session, "open_voting", user=c.secretary, data={"voting_mode": "all_items"})
    assert NINE_OF_22 in refused.value.message and "mở bỏ phiếu" in refused.value.message
    session.refresh_from_db()
    assert session.state == SessionState.OPENED
    _mark(session, c, c.voters[9:15], "present")  # 15 again: exactly the quorum
    engine.perform(session, "open_voting", user=c.secretary, data={"voting_mode": "all_items"})
    session.refresh_from_db()
    assert session.state == SessionState.VOTING


def test_api_refuses_to_open_voting_below_quorum_with_the_count(api, council, session_for):
    c = council(size=SIZE)
    session = _opened(c, session_for(c))
    for member in c.voters[9:]:
        response = api(c.secretary).post(
            f"/api/sessions/{session.pk}/attendance/", {"member": member.pk, "status": "absent"}
        )
        assert response.status_code == 200
    assert "9/22" in response.json()["quorum"]
    address = f"/api/sessions/{session.pk}/transitions/"
    [listed] = [t for t in api(c.secretary).get(address).json() if t["name"] == "open_voting"]
    assert listed["allowed"] is False and NINE_OF_22 in listed["reason"]
    refused = api(c.secretary).post(address + "open_voting/", {"voting_mode": "all_items"})
    assert refused.status_code == 409
    assert NINE_OF_22 in refused.json()["detail"] and refused.json()["code"] == "transition_not_allowed"
    for member in c.voters[9:15]:
        api(c.secretary).post(
            f"/api/sessions/{session.pk}/attendance/", {"member": member.pk, "status": "present"}
        )
    opened = api(c.secretary).post(address + "open_voting/", {"voting_mode": "all_items"})
    assert opened.status_code == 200 and opened.json()["state"] == "voting"


def test_session_page_shows_why_voting_cannot_open(client, council, session_for):
    c = council(size=SIZE)
    session = _opened(c, session_for(c))
    _mark(session, c, c.voters[9:], "absent")
    client.force_login(c.secretary)
    page = client.get(session.get_absolute_url()).content.decode()
    assert NINE_OF_22 in page  # the lifecycle panel lists the refused step with its reason
    assert f"/thao-tac/councils/session/{session.pk}/open_voting/" not in page  # no button to press
    _mark(session, c, c.voters[9:15], "present")
    page = client.get(session.get_absolute_url()).content.decode()
    assert f"/thao-tac/councils/session/{session.pk}/open_voting/" in page and NINE_OF_22 not in page


# -- when voting closes and each result is counted ---------------------------------------------------------
def _voting_with_ten_ballots(c, session_for, mode="all_items"):
    session = session_for(
        c, items=[("Bằng khen cho ông A", threshold("50")), ("Bằng khen cho bà B", threshold("50"))]
    )
    session = _opened(c, session)
    engine.perform(session, "open_voting", user=c.secretary, data={"voting_mode": mode})
    session.refresh_from_db()
    first = session.items.order_by("order").first()
    for member in c.voters[:10]:
        services.ballot_cast(item=first, choice="agree", actor=member)
    return session, first


def test_closing_the_voting_refused_below_quorum_and_nothing_is_counted(council, session_for):
    c = council(size=SIZE)
    session, first = _voting_with_ten_ballots(c, session_for)
    _mark(session, c, c.voters[14:], "absent")  # 14 present (the 10 who voted keep their status)
    with pytest.raises(engine.TransitionNotAllowed) as refused:
        services.session_close_voting(session=session, user=c.secretary)
    assert FOURTEEN_OF_22 in refused.value.message
    session.refresh_from_db()
    assert session.state == SessionState.VOTING
    assert set(session.items.values_list("state", flat=True)) == {ItemState.PENDING}
    assert Ballot.objects.filter(item=first).count() == 10  # still sealed, none counted
    assert first.agree_count is None
    _mark(session, c, [c.voters[14]], "present")  # 15: the quorum
    services.session_close_voting(session=session, user=c.secretary)
    session.refresh_from_db()
    first.refresh_from_db()
    assert session.state == SessionState.VOTING_CLOSED and session.present_count == 15
    assert (first.agree_count, first.base_count, first.passed) == (10, 22, False)


def test_one_item_is_not_counted_below_quorum(council, session_for):
    c = council(size=SIZE)
    session, first = _voting_with_ten_ballots(c, session_for, mode="item_by_item")
    _mark(session, c, c.voters[14:], "absent")
    verdict = _check(first, "close_ballot", c.secretary)
    assert not verdict.allowed and FOURTEEN_OF_22 in verdict.reason and first.title in verdict.reason
    with pytest.raises(engine.TransitionNotAllowed):
        engine.perform(first, "close_ballot", user=c.secretary)
    first.refresh_from_db()
    assert first.state == ItemState.PENDING and first.passed is None
    _mark(session, c, [c.voters[14]], "present")
    engine.perform(first, "close_ballot", user=c.secretary)
    first.refresh_from_db()
    assert (first.state, first.agree_count) == (ItemState.COUNTED, 10)


def test_paper_tally_is_not_confirmed_below_quorum(council, session_for):
    c = council(size=SIZE)
    session = _opened(c, session_for(c, items=[("Bằng khen cho ông A", threshold("50"))]))
    engine.perform(session, "open_voting", user=c.secretary, data={"voting_mode": "all_items"})
    item = session.items.get()
    tally = {"agree": 15, "disagree": 0, "abstain": 0, "invalid": 0}
    engine.perform(item, "enter_tally", user=c.secretary, data=tally)
    _mark(session, c, c.voters[14:], "absent")
    with pytest.raises(engine.TransitionNotAllowed) as refused:
        engine.perform(item, "confirm_tally", user=c.standing)
    assert FOURTEEN_OF_22 in refused.value.message
    item.refresh_from_db()
    assert item.state == ItemState.TALLY_ENTERED and item.passed is None
    _mark(session, c, [c.voters[14]], "present")
    engine.perform(item, "confirm_tally", user=c.standing)
    item.refresh_from_db()
    assert (item.state, item.agree_count, item.passed) == (ItemState.COUNTED, 15, True)


def test_api_close_refused_below_quorum_with_the_count(api, council, session_for):
    c = council(size=SIZE)
    session, first = _voting_with_ten_ballots(c, session_for)
    _mark(session, c, c.voters[14:], "absent")
    refused = api(c.chair).post(f"/api/sessions/{session.pk}/close/")
    assert refused.status_code == 409 and FOURTEEN_OF_22 in refused.json()["detail"]
    assert api(c.board).get(f"/api/sessions/{session.pk}/").json()["state"] == "voting"
    _mark(session, c, [c.voters[14]], "present")
    closed = api(c.chair).post(f"/api/sessions/{session.pk}/close/")
    assert closed.status_code == 200 and closed.json()["state"] == "voting_closed"


def test_close_confirmation_page_warns_below_quorum(client, council, session_for):
    c = council(size=SIZE)
    session, _first = _voting_with_ten_ballots(c, session_for)
    _mark(session, c, c.voters[14:], "absent")
    client.force_login(c.secretary)
    page = client.post(f"/hoi-dong/phien/{session.pk}/ket-thuc-bo-phieu/").content.decode()
    assert FOURTEEN_OF_22 in page
    client.post(f"/hoi-dong/phien/{session.pk}/ket-thuc-bo-phieu/", {"confirmed": "1"})
    session.refresh_from_db()
    assert session.state == SessionState.VOTING


# -- the secretary rule and the one "total members" --------------------------------------------------------
@pytest.mark.parametrize(
    "secretary_votes, total, quorum_met, base, passed",
    [
        # 4 of 5 present (the secretary absent) ≥ 2/3; 3 agree of 5 = 60 % < 70 %
        (True, 5, True, 5, False),
        # the secretary is not a member: 4 of 4 present; 3 agree of 4 = 75 % ≥ 70 %
        (False, 4, True, 4, True),
    ],
)
def test_secretary_rule_changes_total_members_quorum_and_threshold(
    api, client, council, session_for, secretary_votes, total, quorum_met, base, passed
):
    c = council(size=4, secretary_votes=secretary_votes)
    session = session_for(
        c, items=[("Bằng khen cho ông A", threshold("70", base=ThresholdBase.TOTAL_MEMBERS))]
    )
    assert session.secretary_votes is secretary_votes
    created = AuditEvent.objects.get(subject_id=str(session.pk), verb="session_created")
    assert created.data["secretary_votes"] is secretary_votes  # the rule the session copied, on record
    assert selectors.total_members(session) == total
    assert (c.secretary.pk in selectors.member_ids(session)) is secretary_votes
    engine.perform(session, "lock_agenda", user=c.secretary)
    attend(session, c, c.voters)
    if secretary_votes:
        _mark(session, c, [c.secretary], "absent")
    else:
        with pytest.raises(Exception, match="không phải thành viên hội đồng"):
            _mark(session, c, [c.secretary], "absent")
    quorum = selectors.quorum(session)
    assert (quorum.total, quorum.present, quorum.met) == (total, 4, quorum_met)
    engine.perform(session, "open", user=c.chair)
    engine.perform(session, "open_voting", user=c.secretary, data={"voting_mode": "all_items"})
    item = session.items.get()
    for member, choice in zip(c.voters, ["agree", "agree", "agree", "disagree"], strict=True):
        services.ballot_cast(item=item, choice=choice, actor=member)
    services.session_close_voting(session=session, user=c.secretary)
    session.refresh_from_db()
    item.refresh_from_db()
    assert session.member_count == total
    assert (item.base_count, item.passed) == (base, passed)
    body = api(c.members[0]).get(f"/api/sessions/{session.pk}/").json()
    assert (body["secretary_votes"], body["member_count"]) == (secretary_votes, total)
    client.force_login(c.members[0])
    page = client.get(session.get_absolute_url()).content.decode()
    marker = 'data-secretary-votes="1"' if secretary_votes else 'data-secretary-votes="0"'
    assert marker in page
    assert ("thư ký là thành viên bỏ phiếu" in page) is secretary_votes


def test_secretary_who_votes_counts_towards_the_quorum(council, session_for):
    """With the rule on, the secretary's presence is what reaches the quorum (4 of 5), and they vote."""
    c = council(size=4, secretary_votes=True)
    session = session_for(c)
    engine.perform(session, "lock_agenda", user=c.secretary)
    attend(session, c, c.voters[:3], c.voters[3:])  # 3 of 5 < 2/3
    assert selectors.quorum(session).refusal == "Chỉ 3/5 thành viên có mặt, chưa đủ 2/3 (4)"
    with pytest.raises(engine.TransitionNotAllowed):
        engine.perform(session, "open", user=c.chair)
    _mark(session, c, [c.secretary], "present")
    engine.perform(session, "open", user=c.chair)
    engine.perform(session, "open_voting", user=c.secretary, data={"voting_mode": "all_items"})
    services.ballot_cast(item=session.items.get(), choice="agree", actor=c.secretary)
    assert session.items.get().receipts.filter(member=c.secretary).exists()


@pytest.mark.parametrize("secretary_votes", [True, False])
def test_minutes_state_the_secretary_rule_and_the_same_total(client, council, session_for, secretary_votes):
    from tests import pdf_checks

    c = council(size=4, secretary_votes=secretary_votes)
    session = _opened(c, session_for(c), present=c.voters)
    if secretary_votes:
        _mark(session, c, [c.secretary], "present")
    engine.perform(session, "open_voting", user=c.secretary, data={"voting_mode": "all_items"})
    services.session_close_voting(session=session, user=c.secretary)
    client.force_login(c.secretary)
    words = pdf_checks.words(client.get(f"/hoi-dong/phien/{session.pk}/bien-ban-hop.pdf").content)
    total = 5 if secretary_votes else 4
    assert f"tổng số thành viên: {total};" in words
    rule = "thư ký là thành viên bỏ phiếu" if secretary_votes else "thư ký không bỏ phiếu"
    assert rule in words
