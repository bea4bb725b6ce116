"""Pages and API of council sessions: visibility, the ballot sheet, the console, error codes, secrecy, PDFs."""

from datetime import timedelta

import pytest
from django.core.management import call_command

from councils import services
from councils.models import Ballot, Session
from tests.factories import CouncilTermFactory
from workflows import engine
from workflows.audit import SYSTEM
from workflows.models import Membership, Role
from workflows.services import membership_end

from .conftest import MEETING_DAY, start_voting

pytestmark = pytest.mark.django_db


def test_member_sees_only_sessions_of_their_term(client, council, session_for, person):
    c = council(size=4)
    session = session_for(c)
    other_term = CouncilTermFactory()
    outsider = person("other-member", Role.COUNCIL_MEMBER, council_term=other_term)
    client.force_login(c.members[0])
    page = client.get("/hoi-dong/").content.decode()
    assert session.title in page
    assert client.get(f"/hoi-dong/phien/{session.pk}/").status_code == 200
    client.force_login(outsider)
    assert session.title not in client.get("/hoi-dong/").content.decode()
    assert client.get(f"/hoi-dong/phien/{session.pk}/").status_code == 404


def test_member_whose_membership_ended_loses_sight(client, council, session_for):
    c = council(size=4)
    session = session_for(c)
    member = c.members[0]
    from django.utils import timezone

    membership_end(
        membership=Membership.objects.get(user=member, council_term=c.term),
        valid_to=timezone.localdate(),
        actor=SYSTEM,
    )
    client.force_login(member)
    assert client.get(f"/hoi-dong/phien/{session.pk}/").status_code == 404  # ended at once, not tomorrow
    Membership.objects.filter(user=member).update(
        valid_from=timezone.localdate() - timedelta(days=30),
        valid_to=timezone.localdate() - timedelta(days=1),
    )
    member = type(member).objects.get(pk=member.pk)
    client.force_login(member)
    assert client.get(f"/hoi-dong/phien/{session.pk}/").status_code == 404


def test_member_votes_on_the_ballot_sheet_and_cannot_vote_twice(client, council, session_for):
    c = council(size=4)
    session = start_voting(session_for(c), c)
    item = session.items.get()
    client.force_login(c.members[0])
    page = client.get(f"/hoi-dong/phien/{session.pk}/").content.decode()
    assert "Phiếu bầu kín" in page and f'name="item-{item.pk}"' in page
    response = client.post(
        f"/hoi-dong/phien/{session.pk}/bo-phieu/", {f"item-{item.pk}": "agree"}, follow=True
    )
    assert "Đã ghi nhận 1 phiếu bầu kín" in response.content.decode()
    page = client.post(
        f"/hoi-dong/phien/{session.pk}/bo-phieu/", {f"item-{item.pk}": "disagree"}, follow=True
    ).content.decode()
    assert "Bạn đã bỏ phiếu cho mục này" in page
    assert Ballot.objects.filter(item=item).count() == 1


def test_secretary_console_records_attendance_and_shows_turnout_not_content(client, council, session_for):
    c = council(size=4)
    session = session_for(c)
    engine.perform(session, "lock_agenda", user=c.secretary)
    client.force_login(c.secretary)
    response = client.post(
        f"/hoi-dong/phien/{session.pk}/diem-danh/", {"member": c.chair.pk, "status": "present"}, follow=True
    )
    assert "Đã điểm danh" in response.content.decode()
    for member in c.voters[1:]:
        client.post(f"/hoi-dong/phien/{session.pk}/diem-danh/", {"member": member.pk, "status": "present"})
    engine.perform(session, "open", user=c.chair)
    engine.perform(session, "open_voting", user=c.secretary, data={"voting_mode": "all_items"})
    services.ballot_cast(item=session.items.get(), choice="disagree", actor=c.chair)
    page = client.get(f"/hoi-dong/phien/{session.pk}/").content.decode()
    assert "Số phiếu đã nhận" in page
    turnout = page.split("Số phiếu đã nhận")[1].split("</section>")[0]
    assert 'data-field="received">1</td><td data-field="eligible">4</td>' in turnout
    assert "Không đồng ý" not in turnout and "disagree" not in turnout


def test_board_creates_a_session_in_the_browser(client, council):
    c = council(size=4)
    client.force_login(c.board)
    response = client.post(
        "/hoi-dong/phien/moi/",
        {
            "council_term": c.term.pk,
            "title": "Phiên họp tháng 4",
            "planned_on": MEETING_DAY.isoformat(),
            "place": "Phòng họp",
        },
    )
    session = Session.objects.get(title="Phiên họp tháng 4")
    assert response.status_code == 302 and session.state == "planned"
    client.force_login(c.members[0])
    assert client.get("/hoi-dong/phien/moi/").status_code == 403


def test_api_lists_and_hides_sessions(api, council, session_for, person):
    c = council(size=4)
    session = session_for(c)
    stranger = person("stranger", Role.COUNCIL_MEMBER, council_term=CouncilTermFactory())
    assert [s["id"] for s in api(c.members[0]).get("/api/sessions/").json()["results"]] == [session.pk]
    assert api(stranger).get("/api/sessions/").json()["results"] == []
    assert api(stranger).get(f"/api/sessions/{session.pk}/").status_code == 404
    assert (
        api(stranger).post(f"/api/sessions/{session.pk}/ballots/", {"item": 1, "choice": "agree"}).status_code
        == 404
    )
    assert api(c.board).get(f"/api/sessions/{session.pk}/agenda/").json()[0]["title"] == "Bằng khen cho ông A"
    assert api(c.members[0]).get("/api/councils/").status_code == 200


def test_api_ballot_error_codes(api, council, session_for):
    c = council(size=4)
    session = session_for(c)
    item = session.items.get()
    address = f"/api/sessions/{session.pk}/ballots/"
    early = api(c.members[0]).post(address, {"item": item.pk, "choice": "agree"})
    assert early.status_code == 409 and "Chưa mở bỏ phiếu" in early.json()["detail"]
    start_voting(session, c)
    assert api(c.members[0]).post(address, {"item": item.pk, "choice": "maybe"}).status_code == 400
    assert api(c.members[0]).post(address, {"item": item.pk, "choice": "agree"}).status_code == 201
    second = api(c.members[0]).post(address, {"item": item.pk, "choice": "agree"})
    assert second.status_code == 409 and "đã bỏ phiếu" in second.json()["detail"]
    board = api(c.board).post(address, {"item": item.pk, "choice": "agree"})
    assert board.status_code == 403 and "không phải thành viên" in board.json()["detail"]
    turnout = api(c.secretary).get(address).json()["items"][0]
    assert (turnout["received"], turnout["eligible"]) == (1, 4)
    assert "received" not in api(c.members[1]).get(address).json()["items"][0]


def test_api_transitions_wrong_role_and_wrong_state(api, council, session_for):
    c = council(size=4)
    session = session_for(c)
    base = f"/api/sessions/{session.pk}/transitions/"
    assert api(c.members[0]).post(base + "lock_agenda/").status_code == 403
    assert api(c.chair).post(base + "sign_minutes/").status_code == 409
    assert api(c.secretary).post(base + "lock_agenda/").json()["state"] == "agenda_locked"
    checks = {t["name"]: t["allowed"] for t in api(c.chair).get(base).json()}
    assert checks["open"] is False  # no quorum yet
    assert api(c.board).get(f"/api/sessions/{session.pk}/history/").status_code == 200


def test_api_full_session_never_exposes_who_chose_what(api, council, session_for):
    c = council(size=4)
    session = session_for(c)
    engine.perform(session, "lock_agenda", user=c.secretary)
    for member in c.voters:
        assert (
            api(c.secretary)
            .post(f"/api/sessions/{session.pk}/attendance/", {"member": member.pk, "status": "present"})
            .status_code
            == 200
        )
    api(c.chair).post(f"/api/sessions/{session.pk}/transitions/open/")
    api(c.secretary).post(
        f"/api/sessions/{session.pk}/transitions/open_voting/", {"voting_mode": "all_items"}
    )
    item = session.items.get()
    for member, choice in zip(c.voters, ["agree", "agree", "agree", "disagree"], strict=True):
        api(member).post(f"/api/sessions/{session.pk}/ballots/", {"item": item.pk, "choice": choice})
    closed = api(c.chair).post(f"/api/sessions/{session.pk}/close/")
    assert closed.json()["state"] == "voting_closed"
    [row] = api(c.board).get(f"/api/sessions/{session.pk}/agenda/").json()
    assert (row["agree_count"], row["disagree_count"], row["passed"]) == (3, 1, False)
    assert row["result_explanation"] == "3/4 đồng ý = 75,0 % < 90 % → không đạt"
    history = api(c.board).get(f"/api/agenda-items/{item.pk}/history/").json()
    cast = [event for event in history if event["verb"] == "ballot_cast"]
    assert len(cast) == 4
    for event in cast:  # who voted, never what they chose
        # the request id (project/requestid.py) ties the event to the access log line, never to a choice
        assert set(event["data"]) - {"request_id"} == {"member", "item"}


def test_pdfs_are_generated_from_the_session(client, council, session_for):
    c = council(size=4)
    session = start_voting(session_for(c), c)
    for member in c.voters:
        services.ballot_cast(item=session.items.get(), choice="agree", actor=member)
    client.force_login(c.secretary)
    assert client.get(f"/hoi-dong/phien/{session.pk}/bien-ban-hop.pdf").status_code == 404  # still voting
    services.session_close_voting(session=session, user=c.secretary)
    from councils import documents

    html = documents.context(session)
    assert html["quorum"].explanation.startswith("4/4")
    for address in ("bien-ban-hop.pdf", "bien-ban-kiem-phieu.pdf"):
        response = client.get(f"/hoi-dong/phien/{session.pk}/{address}")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
    from django.template.loader import render_to_string

    text = render_to_string("councils/pdf/minutes.html", html)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "4/4 đồng ý = 100,0 % ≥ 90 % → đạt" in text


def test_seed_demo_plans_one_session_idempotently():
    call_command("seed_demo", quiet=True, i_know_this_is_not_production=True)
    call_command("seed_demo", quiet=True, i_know_this_is_not_production=True)
    from demo.management.commands.seed_councils import DEMO_TITLE

    session = Session.objects.get(title=DEMO_TITLE)
    assert session.state == "planned" and session.items.count() == 3
    assert session.council_term.council.kind == "emulation"


def test_admin_shows_sessions_read_only_without_ballots(client, council, session_for):
    from django.contrib.auth import get_user_model

    c = council(size=4)
    session = start_voting(session_for(c), c)
    services.ballot_cast(item=session.items.get(), choice="disagree", actor=c.chair)
    admin_user = get_user_model().objects.create_superuser("root", "root@example.vn", "mat-khau-dai-123")
    client.force_login(admin_user)
    assert client.get("/admin/councils/session/").status_code == 200
    page = client.get(f"/admin/councils/session/{session.pk}/change/").content.decode()
    assert session.title in page
    assert client.get("/admin/councils/ballot/").status_code == 404
    assert client.get("/admin/councils/ballotreceipt/").status_code == 404


def test_api_agenda_add_free_form_with_an_exact_ratio_and_no_subject(api, council, session_for, unit):
    from tests.testapp.models import Widget

    c = council(size=4)
    session = session_for(c)
    widget = Widget.objects.create(title="Hồ sơ bà B", unit=unit)
    address = f"/api/sessions/{session.pk}/agenda/"
    payload = {
        "title": "Chiến sĩ thi đua thành phố cho bà B",
        "threshold_percent": "66.667",
        "ratio_numerator": 2,
        "ratio_denominator": 3,
        "proposing_unit": unit.pk,
    }
    assert api(c.members[0]).post(address, payload).status_code == 403
    named = api(c.secretary).post(
        address, {**payload, "subject_type": "testapp.widget", "subject_id": str(widget.pk)}
    )
    assert named.status_code == 400
    assert "chính quy trình" in named.json()["errors"]["subject_type"][0]
    assert "chính quy trình" in named.json()["errors"]["subject_id"][0]
    created = api(c.secretary).post(address, payload)
    assert created.status_code == 201
    assert created.json()["threshold"] == {
        "percent": "66.667",
        "ratio": [2, 3],
        "base": "total_members",
        "strict": False,
    }
    assert created.json()["subject"] is None
    engine.perform(session, "lock_agenda", user=c.secretary)
    assert api(c.secretary).post(address, payload).status_code == 409
