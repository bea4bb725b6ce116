"""The councils' policies (councils/policies.py) and the outside expert invited to one session.

Each policy is asked for every kind of person around a session: the ones it admits are allowed, the others are
refused with the policy's reason. A superuser without a role is refused every domain policy and every
transition of the session and agenda item machines (403 JSON through the API). The expert's grant
(councils.attend_session) is given and taken through the audited services, from the web page and the API, only
by the Board or the council's secretary, and only for a session they may see; the expert sees that session, its
agenda and its minutes once the voting is closed, never votes, never counts, and sees no other session.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from councils import policies, selectors, services
from councils.lifecycle import AgendaItemLifecycle, SessionLifecycle
from councils.models import AgendaItem, BallotReceipt, Session, WrittenVote
from tests.factories import CouncilTermFactory
from workflows import engine
from workflows.models import AuditEvent, Role
from workflows.policies import REGISTRY, has_grant

from .conftest import start_voting

pytestmark = pytest.mark.django_db

CHAIR_REFUSAL = "Chỉ thư ký hoặc chủ tọa hội đồng"


@dataclass
class Cast:
    c: object  # the council of tests/councils/conftest.py
    session: Session
    item: AgendaItem
    people: dict


@pytest.fixture
def cast(council, session_for, person):
    """A convened session of a 4-member council and every kind of person around it."""
    c = council(size=4)
    session = session_for(c)
    other_term = CouncilTermFactory()
    people = {
        "chair": c.chair,
        "standing": c.standing,
        "member": c.members[0],
        "secretary": c.secretary,
        "board": c.board,
        "board_head": person("board-head", Role.BOARD_HEAD),
        "auditor": person("auditor", Role.AUDITOR),
        "city_chairman": person("city-chairman", Role.CITY_CHAIRMAN),
        "other_term": person("other-term-secretary", Role.COUNCIL_SECRETARY, council_term=other_term),
        "expert": person("expert"),
        "nobody": person("nobody"),
        "superuser": get_user_model().objects.create_superuser("root-councils", "root@example.org", "x"),
    }
    services.session_invite_expert(
        session=session, user=people["expert"], actor=c.board, reason="Tư vấn chuyên môn y tế"
    )
    return Cast(c, session, session.items.get(), people)


def _vote(cast):
    """An unsaved written vote of the first member recorded by the secretary (the policy reads only who)."""
    return WrittenVote(
        session=cast.session, member=cast.people["member"], recorded_by=cast.people["secretary"]
    )


def _obj(cast, kind):
    return {
        "session": cast.session,
        "term": cast.session.council_term,
        "item": cast.item,
        "vote": _vote(cast),
    }[kind]


ALL = (
    "chair",
    "standing",
    "member",
    "secretary",
    "board",
    "board_head",
    "auditor",
    "city_chairman",
    "other_term",
    "expert",
    "nobody",
    "superuser",
)
READERS = {"board", "board_head", "auditor", "city_chairman", "superuser"}

#: policy, the object it is asked about, who is allowed, the refusal every other person gets (a fragment).
TABLE = [
    (
        "may_view_session",
        "session",
        READERS | {"chair", "standing", "member", "secretary", "expert"},
        "Bạn không có quyền xem phiên họp này.",
    ),
    ("may_attend_as_expert", "session", {"expert"}, "Bạn không được mời dự phiên họp này."),
    ("may_create_session", "term", {"board", "board_head"}, "Chỉ Ban TĐKT được lập phiên họp hội đồng."),
    (
        "may_edit_agenda",
        "session",
        {"secretary", "board", "board_head"},
        "Chỉ thư ký hội đồng hoặc Ban TĐKT được thêm mục vào chương trình họp.",
    ),
    ("may_record_attendance", "session", {"secretary"}, "Chỉ thư ký hội đồng được điểm danh."),
    (
        "may_record_written_vote",
        "session",
        {"secretary"},
        "Chỉ thư ký hội đồng được nhận phiếu bằng văn bản.",
    ),
    (
        "may_read_written_votes",
        "session",
        READERS | {"secretary", "chair"},
        "Chỉ thư ký, chủ tọa, Ban Thi đua - Khen thưởng và kiểm tra viên xem danh sách phiếu bằng văn bản.",
    ),
    ("may_download_written_vote", "session", {"secretary", "chair", "board", "board_head"}, ""),
    (
        "may_cast_ballot",
        "session",
        {"chair", "standing", "member"},
        "Bạn không phải thành viên hội đồng của phiên họp này nên không được bỏ phiếu.",
    ),
    (
        "may_declare_recusal",
        "item",
        {"chair", "standing", "member", "secretary"},
        "Chỉ chính thành viên hoặc thư ký được ghi nhận việc không tham gia biểu quyết.",
    ),
    ("may_follow_turnout", "session", {"secretary", "chair"}, "Chỉ thư ký hoặc chủ tọa hội đồng theo dõi"),
    ("may_close_voting", "session", {"secretary", "chair"}, "Chỉ thư ký hoặc chủ tọa hội đồng được kết thúc"),
    (
        "may_invite_expert",
        "session",
        {"secretary", "board", "board_head"},
        "Chỉ Ban TĐKT hoặc thư ký hội đồng được mời chuyên gia dự phiên họp.",
    ),
]


def test_the_table_covers_every_councils_policy():
    declared = {name for name, entry in REGISTRY.items() if entry.module == "councils.policies"}
    assert declared == {row[0] for row in TABLE} | {"may_decide_written_vote", "may_read_session_documents"}


@pytest.mark.parametrize(("name", "kind", "allowed", "reason"), TABLE, ids=[row[0] for row in TABLE])
def test_each_policy_admits_its_roles_and_refuses_the_others_with_its_reason(
    cast, name, kind, allowed, reason
):
    entry = REGISTRY[name]
    obj = _obj(cast, kind)
    wrong = []
    for who in ALL:
        decision = entry(cast.people[who], obj)
        if decision.allowed != (who in allowed):
            wrong.append(f"{who}: allowed={decision.allowed}")
        elif not decision.allowed and reason not in decision.reason:
            wrong.append(f"{who}: reason {decision.reason!r}")
    assert not wrong, f"{name}: " + "; ".join(wrong)


def test_the_roles_recorded_are_the_roles_held(cast):
    """require() returns the actor in the role the policy decided: the Board officer plans as such, the
    secretary records as the secretary, the member votes in their own council role."""
    people = cast.people
    assert policies.require(policies.may_create_session, people["board"], cast.session.council_term).role == (
        Role.BOARD_OFFICER
    )
    assert policies.require(policies.may_edit_agenda, people["secretary"], cast.session).role == (
        Role.COUNCIL_SECRETARY
    )
    assert (
        policies.require(policies.may_cast_ballot, people["member"], cast.session).role == Role.COUNCIL_MEMBER
    )
    with pytest.raises(engine.ActionForbidden) as refused:
        policies.require(policies.may_invite_expert, people["chair"], cast.session)
    assert refused.value.message == "Chỉ Ban TĐKT hoặc thư ký hội đồng được mời chuyên gia dự phiên họp."


def test_a_written_vote_is_decided_by_a_second_person_only(cast, person):
    vote = _vote(cast)
    second_secretary = person("secretary-2", Role.COUNCIL_SECRETARY, council_term=cast.session.council_term)
    assert policies.may_decide_written_vote(second_secretary, vote)
    assert policies.may_decide_written_vote(cast.people["board"], vote).role == Role.BOARD_OFFICER
    recorder = policies.may_decide_written_vote(cast.people["secretary"], vote)
    assert recorder.reason == "Người xác nhận phải khác người đã ghi nhận phiếu bằng văn bản."
    for who in ("chair", "member", "auditor", "expert", "superuser", "other_term"):
        refusal = policies.may_decide_written_vote(cast.people[who], vote, verb="trả lại")
        assert not refusal, who
        assert refusal.reason == (
            "Chỉ thư ký hội đồng hoặc cán bộ Ban Thi đua - Khen thưởng được trả lại phiếu bằng văn bản."
        )


def test_the_session_documents_wait_for_the_end_of_the_voting(cast):
    people = cast.people
    for who in ("member", "expert", "board"):
        refusal = policies.may_read_session_documents(people[who], cast.session)
        assert (refusal.allowed, refusal.status) == (False, 404)
    Session.objects.filter(pk=cast.session.pk).update(state="voting_closed")
    closed = Session.objects.get(pk=cast.session.pk)
    for who in ("member", "expert", "board", "auditor"):
        assert policies.may_read_session_documents(people[who], closed), who
    for who in ("other_term", "nobody"):
        assert policies.may_read_session_documents(people[who], closed).status == 404, who


# -- a superuser without a role --------------------------------------------------------------------------------
#: reading is an administrator's power (workflows.policies.may_read_everything); every other policy is domain
READING = {"may_view_session", "may_read_written_votes", "may_read_session_documents"}


def test_a_superuser_without_a_role_is_refused_every_domain_policy_of_councils(cast):
    superuser = cast.people["superuser"]
    Session.objects.filter(pk=cast.session.pk).update(state="voting_closed")
    session = Session.objects.get(pk=cast.session.pk)
    objects = {"session": session, "term": session.council_term, "item": cast.item, "vote": _vote(cast)}
    kinds = {row[0]: row[1] for row in TABLE} | {"may_decide_written_vote": "vote"}
    allowed = []
    for name, entry in REGISTRY.items():
        if entry.module != "councils.policies" or name in READING:
            continue
        if entry(superuser, objects[kinds[name]]).allowed:
            allowed.append(name)
    assert not allowed
    assert policies.may_read_session_documents(superuser, session)  # reading, not deciding


def _every_transition(lifecycle):
    for name, method in lifecycle.transition_methods().items():
        for transition in method.get_transitions():
            yield name, transition.source


def test_the_api_answers_403_json_to_a_superuser_on_every_transition_of_both_machines(cast, api):
    client = api(cast.people["superuser"])
    checked = 0
    for lifecycle, obj, basename in (
        (SessionLifecycle, cast.session, "session"),
        (AgendaItemLifecycle, cast.item, "agenda-item"),
    ):
        model = type(obj)
        for name, source in _every_transition(lifecycle):
            model.objects.filter(pk=obj.pk).update(state=source)
            events = AuditEvent.objects.count()
            response = client.post(
                reverse(f"{basename}-perform-transition", kwargs={"pk": obj.pk, "transition": name}),
                {"comment": "Quản trị viên thử"},
                format="json",
            )
            assert response.status_code == 403, (basename, name, source, response.content[:200])
            assert (
                response["Content-Type"].startswith("application/problem+json") and response.json()["detail"]
            )
            assert model.objects.get(pk=obj.pk).state == source
            assert AuditEvent.objects.count() == events
            checked += 1
    assert checked >= 15


def test_a_superuser_cannot_invite_nor_be_invited(cast, api):
    superuser, session = cast.people["superuser"], cast.session
    response = api(superuser).post(
        f"/api/sessions/{session.pk}/experts/", {"username": "nobody", "reason": "Thử"}, format="json"
    )
    assert response.status_code == 403 and "thư ký hội đồng" in response.json()["detail"]
    with pytest.raises(Exception) as refused:
        services.session_invite_expert(session=session, user=superuser, actor=cast.c.secretary, reason="Thử")
    assert "Không mời tài khoản quản trị" in str(refused.value)
    assert not has_grant(superuser, policies.EXPERT_GRANT, session)


# -- the outside expert -------------------------------------------------------------------------------------------
def _grant_events(session, verb):
    return list(
        AuditEvent.objects.filter(
            verb=verb, subject_id=str(session.pk), subject_type__model="session"
        ).order_by("pk")
    )


def test_the_invitation_is_audited_on_the_session(cast):
    events = _grant_events(cast.session, "permission_granted")
    assert len(events) == 1
    event = events[0]
    assert event.actor_id == cast.c.board.pk and event.role == Role.BOARD_OFFICER
    assert event.data["user"] == "expert" and event.data["permission"] == "councils.attend_session"
    assert event.data["invitation_note"] == "Tư vấn chuyên môn y tế"


def test_the_expert_sees_the_session_and_its_agenda_and_nothing_of_other_sessions(cast, client, session_for):
    expert = cast.people["expert"]
    other = session_for(cast.c)  # same council, same term: not invited to this one
    client.force_login(expert)
    page = client.get(cast.session.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert cast.item.title in html and "với tư cách chuyên gia" in html
    assert 'name="item-' not in html and "Mời chuyên gia" not in html
    assert client.get(other.get_absolute_url()).status_code == 404
    listed = client.get(reverse("councils:session_list")).context["sessions"]
    assert [s.pk for s in listed] == [cast.session.pk]


def test_the_expert_never_votes_nor_counts(cast, client, api):
    c, session, expert = cast.c, cast.session, cast.people["expert"]
    total = selectors.quorum(session).total
    session = start_voting(session, c)
    assert selectors.quorum(session).total == total == len(c.voters)
    assert expert.pk not in selectors.member_ids(session)
    with pytest.raises(Exception) as refused:
        services.attendance_record(session=session, member=expert, status="present", actor=c.secretary)
    assert "không phải thành viên hội đồng" in str(refused.value)
    with pytest.raises(services.BallotRefused) as ballot:
        services.ballot_cast(item=cast.item, choice="agree", actor=expert)
    assert ballot.value.code == "not_member"
    client.force_login(expert)
    page = client.post(reverse("councils:ballot_cast", args=[session.pk]), {f"item-{cast.item.pk}": "agree"})
    assert page.status_code == 302
    response = api(expert).post(
        f"/api/sessions/{session.pk}/ballots/", {"item": cast.item.pk, "choice": "agree"}, format="json"
    )
    assert response.status_code == 403
    assert not BallotReceipt.objects.filter(member=expert).exists()
    assert api(expert).get(f"/api/sessions/{session.pk}/written-votes/").status_code == 403
    assert api(expert).get(f"/api/sessions/{session.pk}/history/").status_code == 403


def test_the_expert_reads_the_minutes_once_the_voting_is_closed(cast, client):
    c, session, expert = cast.c, cast.session, cast.people["expert"]
    client.force_login(expert)
    assert client.get(reverse("councils:minutes_pdf", args=[session.pk])).status_code == 404
    session = start_voting(session, c)
    for voter in c.voters:
        services.ballot_cast(item=cast.item, choice="agree", actor=voter)
    services.session_close_voting(session=session, user=c.secretary)
    for name in ("councils:minutes_pdf", "councils:tally_pdf"):
        response = client.get(reverse(name, args=[session.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf", name
    page = client.get(session.get_absolute_url()).content.decode()
    assert reverse("councils:minutes_pdf", args=[session.pk]) in page


def test_the_secretary_invites_and_removes_an_expert_on_the_session_page(cast, client, person):
    c, session = cast.c, cast.session
    scientist = person("scientist")
    client.force_login(c.secretary)
    page = client.get(session.get_absolute_url()).content.decode()
    assert "Mời chuyên gia" in page and f'value="{scientist.pk}"' in page
    assert f'value="{c.members[0].pk}"' not in page.split('id="expert-user"')[1].split("</select>")[0]
    response = client.post(
        reverse("councils:session_expert_invite", args=[session.pk]),
        {"user": scientist.pk, "reason": "Ý kiến về sáng kiến kỹ thuật"},
    )
    assert response.status_code == 302
    assert has_grant(scientist, policies.EXPERT_GRANT, session)
    granted = _grant_events(session, "permission_granted")[-1]
    assert granted.data["user"] == "scientist" and granted.role == Role.COUNCIL_SECRETARY
    client.force_login(scientist)
    assert client.get(session.get_absolute_url()).status_code == 200
    client.force_login(c.secretary)
    response = client.post(reverse("councils:session_expert_uninvite", args=[session.pk, scientist.pk]))
    assert response.status_code == 302
    revoked = _grant_events(session, "permission_revoked")[-1]
    assert revoked.data["user"] == "scientist" and revoked.data["permission"] == "councils.attend_session"
    scientist = get_user_model().objects.get(pk=scientist.pk)
    client.force_login(scientist)
    assert client.get(session.get_absolute_url()).status_code == 404


def test_a_refused_invitation_comes_back_next_to_the_field_with_the_input(cast, client):
    c, session = cast.c, cast.session
    client.force_login(c.board)
    url = reverse("councils:session_expert_invite", args=[session.pk])
    events = AuditEvent.objects.count()
    member = client.post(url, {"username": c.members[0].username, "reason": "Lý do giữ lại"})
    assert member.status_code == 400
    (refusal,) = member.context["expert_form"].errors["username"]
    assert refusal.endswith("là thành viên hội đồng của nhiệm kỳ này; không cần mời.")
    html = member.content.decode()
    assert 'value="Lý do giữ lại"' in html and 'aria-describedby="expert-username-error"' in html
    no_reason = client.post(url, {"user": cast.people["nobody"].pk, "reason": ""})
    assert no_reason.status_code == 400 and "reason" in no_reason.context["expert_form"].errors
    unknown = client.post(url, {"username": "khong-co-ai", "reason": "Thử"})
    assert unknown.context["expert_form"].errors["username"] == ["Không tìm thấy người dùng «khong-co-ai»."]
    again = client.post(url, {"user": cast.people["expert"].pk, "reason": "Lần hai"})
    assert again.status_code == 400 and "đã được mời" in again.context["expert_form"].errors["user"][0]
    assert AuditEvent.objects.count() == events


def test_the_wrong_roles_and_another_terms_people_cannot_invite(cast, client, api):
    session, nobody = cast.session, cast.people["nobody"]
    url = reverse("councils:session_expert_invite", args=[session.pk])
    events = AuditEvent.objects.count()
    for who, status in (("chair", 403), ("member", 403), ("expert", 403), ("other_term", 404)):
        client.force_login(cast.people[who])
        assert client.post(url, {"user": nobody.pk, "reason": "Thử"}).status_code == status, who
        response = api(cast.people[who]).post(
            f"/api/sessions/{session.pk}/experts/", {"user": nobody.pk, "reason": "Thử"}, format="json"
        )
        assert response.status_code == status, (who, response.content[:200])
        assert response["Content-Type"].startswith("application/problem+json")
    remove = reverse("councils:session_expert_uninvite", args=[session.pk, cast.people["expert"].pk])
    client.force_login(cast.people["member"])
    assert client.post(remove).status_code == 403
    with pytest.raises(engine.ActionForbidden):
        services.session_invite_expert(
            session=session, user=nobody, actor=cast.people["other_term"], reason="Nhiệm kỳ khác"
        )
    with pytest.raises(engine.ActionForbidden):
        services.session_uninvite_expert(
            session=session, user=cast.people["expert"], actor=cast.people["auditor"]
        )
    assert AuditEvent.objects.count() == events
    assert not has_grant(nobody, policies.EXPERT_GRANT, session)
    assert has_grant(cast.people["expert"], policies.EXPERT_GRANT, session)


def test_the_api_invites_lists_and_removes_experts(cast, api, session_for):
    c, session = cast.c, cast.session
    scientist = get_user_model().objects.create_user("api-scientist", password="x")  # noqa: S106
    board = api(c.board)
    url = f"/api/sessions/{session.pk}/experts/"
    bad = board.post(url, {"reason": "Thiếu người"}, format="json")
    assert bad.status_code == 400 and "user" in bad.json()["errors"]
    member = board.post(url, {"user": c.members[0].pk, "reason": "Thành viên"}, format="json")
    assert member.status_code == 400 and "là thành viên hội đồng" in member.json()["errors"]["user"][0]
    created = board.post(url, {"username": "api-scientist", "reason": "Tư vấn pháp lý"}, format="json")
    assert created.status_code == 201
    assert {row["username"] for row in created.json()} == {"expert", "api-scientist"}
    listed = api(c.members[0]).get(url)
    assert listed.status_code == 200 and {row["id"] for row in listed.json()} == {
        cast.people["expert"].pk,
        scientist.pk,
    }
    expert_api = api(scientist)
    assert expert_api.get(f"/api/sessions/{session.pk}/").status_code == 200
    assert expert_api.get(f"/api/sessions/{session.pk}/agenda/").json()[0]["title"] == cast.item.title
    other = session_for(c)
    assert expert_api.get(f"/api/sessions/{other.pk}/").status_code == 404
    assert [row["id"] for row in expert_api.get("/api/sessions/").json()["results"]] == [session.pk]
    assert api(c.members[0]).delete(f"{url}{scientist.pk}/").status_code == 403
    removed = board.delete(f"{url}{scientist.pk}/")
    assert removed.status_code == 204
    assert _grant_events(session, "permission_revoked")[-1].data["user"] == "api-scientist"
    assert board.delete(f"{url}{scientist.pk}/").status_code == 404
    assert (
        api(get_user_model().objects.get(pk=scientist.pk)).get(f"/api/sessions/{session.pk}/").status_code
        == 404
    )
    assert api(cast.people["other_term"]).get(url).status_code == 404


def test_the_invitation_stays_for_reading_after_the_session_ends_but_none_is_made_once_cancelled(
    cast, client
):
    session = cast.session
    Session.objects.filter(pk=session.pk).update(state="resolution_issued")
    client.force_login(cast.people["expert"])
    assert client.get(session.get_absolute_url()).status_code == 200
    Session.objects.filter(pk=session.pk).update(state="cancelled")
    cancelled = Session.objects.get(pk=session.pk)
    with pytest.raises(engine.TransitionNotAllowed):
        services.session_invite_expert(
            session=cancelled, user=cast.people["nobody"], actor=cast.c.board, reason="Quá muộn"
        )


def test_the_invited_expert_is_told_when_where_and_why_and_when_it_is_withdrawn(cast):
    """The invitation reaches the expert (their notifications, and their mail when they have an address) with
    the day, the place and what their opinion is wanted on; the members are not notified of it; withdrawing
    the invitation tells the expert too."""
    from workflows.models import Notification
    from workflows.notifications import dispatch

    expert, session = cast.people["expert"], cast.session
    dispatch()
    invited = Notification.objects.get(recipient=expert, event__verb="permission_granted")
    assert "Cấp quyền" in invited.text
    assert session.planned_on.strftime("%d/%m/%Y") in invited.text
    assert "Tư vấn chuyên môn y tế" in invited.text and "không biểu quyết" in invited.text
    assert invited.url == session.get_absolute_url()
    members = [cast.people["member"], cast.people["chair"], cast.people["secretary"]]
    assert not Notification.objects.filter(recipient__in=members, event__verb="permission_granted").exists()
    services.session_uninvite_expert(session=session, user=expert, actor=cast.c.board, reason="Không cần nữa")
    dispatch()
    withdrawn = Notification.objects.get(recipient=expert, event__verb="permission_revoked")
    assert "rút lại" in withdrawn.text
