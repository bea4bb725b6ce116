"""Issue 14 items 7 and 8: the attendance roster (one form, one save, one audit event, all or nothing with the
reason next to each refused row; the API takes a list) and the confirmation page of the irreversible steps
(closing the voting, issuing the result); the API still acts in one call."""

import pytest

from councils import services
from councils.models import Attendance, AttendanceStatus, SessionState
from workflows import engine
from workflows.models import AuditEvent

from .conftest import MEETING_DAY, start_voting

pytestmark = pytest.mark.django_db


def _roster_events(session):
    return AuditEvent.objects.filter(subject_id=str(session.pk), verb="attendance_roster_recorded")


def _statuses(session):
    return dict(Attendance.objects.filter(session=session).values_list("member_id", "status"))


def test_roster_records_every_member_in_one_audited_event(council, session_for):
    c = council(size=4)
    session = session_for(c)
    engine.perform(session, "lock_agenda", user=c.secretary)
    chair, standing, first, second = c.voters
    changes = services.attendance_roster_record(
        session=session,
        statuses={chair.pk: "present", standing.pk: "present", first.pk: "absent"},
        actor=c.secretary,
    )
    assert _statuses(session) == {chair.pk: "present", standing.pk: "present", first.pk: "absent"}
    event = _roster_events(session).get()
    assert event.data["changes"] == changes
    assert {(row["member"], row["status"], row["previous"]) for row in changes} == {
        (chair.username, "present", None),
        (standing.username, "present", None),
        (first.username, "absent", None),
    }
    # unchanged rows are left alone; a change names the previous status; still one event per save
    again = services.attendance_roster_record(
        session=session,
        statuses={chair.pk: "present", first.pk: "present", second.pk: "present"},
        actor=c.secretary,
    )
    assert {(row["member"], row["previous"]) for row in again} == {
        (first.username, "absent"),
        (second.username, None),
    }
    assert _roster_events(session).count() == 2
    assert (
        services.attendance_roster_record(session=session, statuses={chair.pk: "present"}, actor=c.secretary)
        == []
    )
    assert _roster_events(session).count() == 2


def test_roster_is_all_or_nothing_with_a_reason_per_row(council, session_for, person):
    c = council(size=4)
    session = start_voting(session_for(c), c, present=c.voters[:3])
    item = session.items.get()
    voted, late = c.voters[0], c.voters[3]
    services.ballot_cast(item=item, choice="agree", actor=voted)
    outsider = person("outsider-roster", "board_officer")
    before = _statuses(session)
    events = AuditEvent.objects.count()
    with pytest.raises(services.RosterRefused) as refused:
        services.attendance_roster_record(
            session=session,
            statuses={
                voted.pk: "absent",  # has voted: keeps their status
                c.voters[1].pk: "absent_written",  # only the written-vote flow sets this
                outsider.pk: "present",  # not a member of the council
                late.pk: "present",  # valid, but the roster is refused as a whole
            },
            actor=c.secretary,
        )
    rows = refused.value.rows
    assert set(rows) == {voted.pk, c.voters[1].pk, outsider.pk}
    assert "đã bỏ phiếu" in rows[voted.pk]
    assert "phiếu bằng văn bản" in rows[c.voters[1].pk]
    assert "không phải thành viên" in rows[outsider.pk]
    assert _statuses(session) == before and AuditEvent.objects.count() == events


def test_roster_keeps_the_guards_of_attendance_record(council, session_for):
    c = council(size=4)
    session = session_for(c)
    engine.perform(session, "lock_agenda", user=c.secretary)
    with pytest.raises(engine.ActionForbidden):
        services.attendance_roster_record(session=session, statuses={c.chair.pk: "present"}, actor=c.chair)
    with pytest.raises(services.RosterRefused) as refused:
        services.attendance_roster_record(session=session, statuses={c.chair.pk: "gone"}, actor=c.secretary)
    assert "không hợp lệ" in refused.value.rows[c.chair.pk]
    assert not Attendance.objects.filter(session=session).exists()


def test_roster_page_saves_once_and_shows_the_refused_row(client, council, session_for):
    c = council(size=4)
    session = start_voting(session_for(c), c, present=c.voters[:3])
    services.ballot_cast(item=session.items.get(), choice="agree", actor=c.voters[0])
    client.force_login(c.secretary)
    page = client.get(session.get_absolute_url()).content.decode()
    assert page.count(f'action="/hoi-dong/phien/{session.pk}/diem-danh/"') == 1
    for member in c.voters:
        assert f'name="status-{member.pk}" value="present"' in page
    assert 'value="absent_written"' not in page.split('id="diem-danh"')[1].split("</section>")[0]
    url = f"/hoi-dong/phien/{session.pk}/diem-danh/"
    refused = client.post(url, {f"status-{c.voters[0].pk}": "absent", f"status-{c.voters[3].pk}": "present"})
    assert refused.status_code == 400
    body = refused.content.decode()
    row = body.split(f'data-member="{c.voters[0].pk}"')[1].split("</tr>")[0]
    assert "Thành viên đã bỏ phiếu; không thể thay đổi tình trạng có mặt." in row
    late = body.split(f'data-member="{c.voters[3].pk}"')[1].split("</tr>")[0]
    assert 'value="present" checked' in late  # what the secretary chose is kept
    assert _statuses(session)[c.voters[3].pk] == "absent"
    saved = client.post(url, {f"status-{c.voters[3].pk}": "present"}, follow=True)
    assert "Đã lưu điểm danh: 1 thành viên thay đổi." in saved.content.decode()
    assert _statuses(session)[c.voters[3].pk] == "present"


def test_roster_shows_a_written_vote_read_only(client, council, session_for):
    c = council(size=4)
    session = start_voting(session_for(c), c, present=c.voters[:3])
    Attendance.objects.filter(session=session, member=c.voters[3]).update(
        status=AttendanceStatus.ABSENT_WRITTEN
    )
    client.force_login(c.secretary)
    page = client.get(session.get_absolute_url()).content.decode()
    row = page.split(f'data-member="{c.voters[3].pk}"')[1].split("</tr>")[0]
    assert "Vắng mặt, gửi phiếu bằng văn bản" in row and "<input" not in row
    forged = client.post(f"/hoi-dong/phien/{session.pk}/diem-danh/", {f"status-{c.voters[3].pk}": "present"})
    assert forged.status_code == 400
    assert _statuses(session)[c.voters[3].pk] == AttendanceStatus.ABSENT_WRITTEN


def test_api_takes_the_roster_as_a_list_and_still_one_member(api, council, session_for):
    c = council(size=4)
    session = session_for(c)
    engine.perform(session, "lock_agenda", user=c.secretary)
    client = api(c.secretary)
    url = f"/api/sessions/{session.pk}/attendance/"
    response = client.post(url, [{"member": m.pk, "status": "present"} for m in c.voters[:3]], format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["quorum"].startswith("3/4")
    assert _roster_events(session).count() == 1
    refused = client.post(
        url,
        [{"member": c.voters[3].pk, "status": "present"}, {"member": 999999, "status": "absent"}],
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json()["rows"] == [{"member": 999999, "detail": "Không tìm thấy thành viên này."}]
    assert c.voters[3].pk not in _statuses(session)
    assert client.post(url, [], format="json").status_code == 400
    assert client.post(url, [{"member": "x", "status": "present"}], format="json").status_code == 400
    single = client.post(url, {"member": c.voters[3].pk, "status": "absent"}, format="json")
    assert single.status_code == 200 and _statuses(session)[c.voters[3].pk] == "absent"
    assert (
        api(c.chair).post(url, [{"member": c.chair.pk, "status": "absent"}], format="json").status_code == 403
    )


def test_close_voting_asks_for_confirmation_naming_who_has_not_voted(client, council, session_for):
    c = council(size=4)
    session = start_voting(session_for(c), c)
    services.ballot_cast(item=session.items.get(), choice="agree", actor=c.chair)
    client.force_login(c.secretary)
    url = f"/hoi-dong/phien/{session.pk}/ket-thuc-bo-phieu/"
    page = client.post(url)  # the session page's button: no confirmation field
    assert page.status_code == 200
    text = page.content.decode()
    assert "3 thành viên có mặt chưa bỏ phiếu" in text and 'name="confirmed" value="1"' in text
    session.refresh_from_db()
    assert session.state == SessionState.VOTING
    done = client.post(url, {"confirmed": "1"}, follow=True)
    assert "Đã kết thúc bỏ phiếu và kiểm phiếu." in done.content.decode()
    session.refresh_from_db()
    assert session.state == SessionState.VOTING_CLOSED


def test_close_voting_confirmation_is_not_offered_to_a_member(client, council, session_for):
    c = council(size=4)
    session = start_voting(session_for(c), c)
    client.force_login(c.members[0])
    for data in ({}, {"confirmed": "1"}):
        client.post(f"/hoi-dong/phien/{session.pk}/ket-thuc-bo-phieu/", data)
        session.refresh_from_db()
        assert session.state == SessionState.VOTING


def _signed(c, session_for):
    session = start_voting(session_for(c), c)
    for member in c.voters:
        services.ballot_cast(item=session.items.get(), choice="agree", actor=member)
    services.session_close_voting(session=session, user=c.secretary)
    engine.perform(session, "draft_minutes", user=c.secretary, data={"minutes_number": "01/BB-HĐTĐKT"})
    engine.perform(session, "sign_minutes", user=c.chair)
    session.refresh_from_db()
    return session


def test_issue_resolution_states_its_consequence_before_acting(client, council, session_for):
    c = council(size=4)
    session = _signed(c, session_for)
    client.force_login(c.chair)
    url = f"/thao-tac/councils/session/{session.pk}/issue_resolution/"
    typed = {"resolution_number": "05/TTr-HĐTĐKT", "resolution_issued_on": MEETING_DAY.strftime("%d/%m/%Y")}
    form = client.get(url).content.decode()
    assert "trang sau nêu hậu quả" in form
    confirm = client.post(url, typed)
    text = confirm.content.decode()
    assert confirm.status_code == 200 and "Xác nhận «Ban hành kết quả»?" in text
    assert f"Văn bản số 05/TTr-HĐTĐKT, ngày {MEETING_DAY:%d/%m/%Y}." in text
    assert "Kết quả 1 mục được ban hành: 1 mục đạt, 0 mục không đạt." in text
    session.refresh_from_db()
    assert session.state == SessionState.MINUTES_SIGNED
    edit = client.post(url, {**typed, "edit": "1"}).content.decode()
    assert 'value="05/TTr-HĐTĐKT"' in edit and "Xác nhận «Ban hành kết quả»?" not in edit
    bad = client.post(url, {**typed, "resolution_issued_on": "31/02/2026"})
    assert bad.status_code == 400 and "Xác nhận «Ban hành kết quả»?" not in bad.content.decode()
    done = client.post(url, {**typed, "confirmed": "1"})
    assert done.status_code == 302
    session.refresh_from_db()
    assert session.state == SessionState.RESOLUTION_ISSUED and session.resolution_number == "05/TTr-HĐTĐKT"


def test_api_clients_act_in_one_call_without_confirmation(api, council, session_for):
    c = council(size=4)
    session = start_voting(session_for(c), c)
    closed = api(c.secretary).post(f"/api/sessions/{session.pk}/close/")
    assert closed.status_code == 200 and closed.json()["state"] == SessionState.VOTING_CLOSED
    engine.perform(session, "draft_minutes", user=c.secretary, data={"minutes_number": "01/BB-HĐTĐKT"})
    engine.perform(session, "sign_minutes", user=c.chair)
    issued = api(c.chair).post(
        f"/api/sessions/{session.pk}/transitions/issue_resolution/",
        {"resolution_number": "05/TTr-HĐTĐKT", "resolution_issued_on": MEETING_DAY.isoformat()},
        format="json",
    )
    assert issued.status_code == 200, issued.json()
    session.refresh_from_db()
    assert session.state == SessionState.RESOLUTION_ISSUED
