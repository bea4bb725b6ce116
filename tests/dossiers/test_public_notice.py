"""Public notice before the council (issue 16): a nominee line whose award needs public notice cannot stay on
an agenda being locked until every working day of its notice has passed and every public comment on it has
the Board's recorded answer; the refusal names the figures. Through the service, the council's lock, the API
and the Board's web page."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from councils.models import SessionState
from councils.services import session_create
from dossiers import notice, services
from dossiers.models import NomineeState, PublicComment, PublicNotice
from organisations.models import CouncilKind
from tests.factories import CouncilTermFactory
from workflows import engine
from workflows.audit import Actor, history_for
from workflows.calendar import add_working_days
from workflows.models import Role

from .helpers import ready_dossier, walk_to

pytestmark = pytest.mark.django_db


def _session(cast, person):
    term = CouncilTermFactory(council__kind=CouncilKind.EMULATION)
    cast.secretary = person("council.secretary", Role.COUNCIL_SECRETARY, council_term=term)
    session = session_create(
        council_term=term,
        title="Phiên họp xét khen thưởng cấp Nhà nước",
        planned_on=timezone.localdate() + timedelta(days=20),
        actor=cast.board,
    )
    engine.perform(
        session,
        "convene",
        user=cast.secretary,
        data={"planned_on": (timezone.localdate() + timedelta(days=20)).isoformat(), "place": "Hội trường"},
    )
    return session


def _scheduled(cast, person, code="cstd-tq"):
    """A dossier with one line of `code` on a convened session's agenda (the agenda not yet locked)."""
    dossier = walk_to(cast, ready_dossier(cast, lines=((code, None),)), "appraised")
    session = _session(cast, person)
    engine.perform(dossier, "schedule", user=cast.board, data={"session": session.pk})
    dossier.refresh_from_db()
    return dossier, dossier.lines.get(), session


def _days_ago(line, working_days):
    """Move the line's notice back so that `working_days` of its days are over."""
    notice_row = PublicNotice.objects.get(line=line)
    start = timezone.localdate()
    while True:
        notice_row.starts_on = start
        if notice.days_elapsed(notice_row) == min(working_days, notice_row.days) and (
            working_days <= notice_row.days or add_working_days(start, notice_row.days) < timezone.localdate()
        ):
            break
        start -= timedelta(days=1)
    PublicNotice.objects.filter(pk=notice_row.pk).update(
        starts_on=start, ends_on=add_working_days(start, notice_row.days)
    )


def _lock_refusal(session, cast) -> str:
    with pytest.raises(engine.TransitionNotAllowed) as refused:
        engine.perform(session, "lock_agenda", user=cast.secretary)
    session.refresh_from_db()
    assert session.state == SessionState.CONVENED
    return str(refused.value)


def test_no_notice_refuses_the_lock_naming_the_rule(cast, person):
    dossier, line, session = _scheduled(cast, person)
    message = _lock_refusal(session, cast)
    assert "chưa công khai trước khi họp hội đồng" in message
    assert "ít nhất 10 ngày làm việc" in message


def test_the_lock_waits_for_every_working_day_then_for_every_answer(cast, person):
    dossier, line, session = _scheduled(cast, person)
    notices = notice.public_notice_start(dossier=dossier, working_days=10, actor=Actor(cast.board))
    assert [n.line for n in notices] == [line]
    event = [e for e in history_for(dossier) if e.verb == "public_notice_start"][0]
    assert event.data["working_days"] == 10 and event.data["lines"] == [line.pk]

    # the public comments while the notice runs
    comment = services.public_comment_add(
        line=line, author_name="Nguyễn Văn Dân", contact="0909 000 111", text="Đề nghị làm rõ thành tích."
    )
    services.public_comment_add(
        line=line, author_name="Trần Thị B", contact="b@example.vn", text="Đồng tình."
    )

    _days_ago(line, 6)
    assert "đã công khai 6/10 ngày làm việc" in _lock_refusal(session, cast)

    _days_ago(line, 10)
    assert "còn 2 ý kiến góp ý chưa được Ban TĐKT trả lời" in _lock_refusal(session, cast)

    notice.public_comment_answer(
        comment=comment, answer="Đã xác minh, thành tích đúng.", actor=Actor(cast.board)
    )
    assert "còn 1 ý kiến góp ý" in _lock_refusal(session, cast)
    other = PublicComment.objects.exclude(pk=comment.pk).get()
    notice.public_comment_answer(comment=other, answer="Ban ghi nhận.", actor=Actor(cast.board))

    engine.perform(session, "lock_agenda", user=cast.secretary)
    session.refresh_from_db()
    assert session.state == SessionState.AGENDA_LOCKED
    answered = [e for e in history_for(line) if e.verb == "public_comment_answer"]
    assert [e.data["answer"] for e in answered] == ["Đã xác minh, thành tích đúng.", "Ban ghi nhận."]


def test_an_award_without_notice_is_locked_at_once(cast, person):
    dossier, line, session = _scheduled(cast, person, code="bk-tp")
    assert not line.award.public_notice_required
    engine.perform(session, "lock_agenda", user=cast.secretary)
    session.refresh_from_db()
    assert session.state == SessionState.AGENDA_LOCKED


def test_a_hold_in_force_refuses_the_lock(cast, person):
    dossier, line, session = _scheduled(cast, person, code="bk-tp")
    services.hold_create(
        nominee=line.nominee,
        kind="inspection",
        starts_on=timezone.localdate(),
        source_document="Quyết định thanh tra số 12/QĐ-TTr",
        actor=Actor(cast.board),
    )
    assert _lock_refusal(session, cast)


def test_bad_input_is_refused_and_nothing_is_written(cast, person):
    dossier, line, session = _scheduled(cast, person)
    with pytest.raises(ValidationError) as refused:
        notice.public_notice_start(dossier=dossier, working_days=5, actor=Actor(cast.board))
    assert refused.value.message_dict["working_days"] == [
        "Phải công khai ít nhất 10 ngày làm việc (đã nhập 5) theo quy định của danh hiệu, hình thức đề nghị."
    ]
    assert not PublicNotice.objects.exists()
    with pytest.raises(engine.ActionForbidden):
        notice.public_notice_start(dossier=dossier, working_days=10, actor=Actor(cast.officer))
    notice.public_notice_start(dossier=dossier, working_days=10, actor=Actor(cast.board))
    comment = services.public_comment_add(line=line, author_name="A", contact="a@example.vn", text="Góp ý.")
    with pytest.raises(ValidationError) as refused:
        notice.public_comment_answer(comment=comment, answer="   ", actor=Actor(cast.board))
    assert "answer" in refused.value.message_dict
    with pytest.raises(engine.ActionForbidden):
        notice.public_comment_answer(comment=comment, answer="Trả lời", actor=Actor(cast.officer))
    comment.refresh_from_db()
    assert not comment.resolved and comment.answer == ""


def test_comments_are_refused_outside_the_notice(cast, person):
    dossier, line, session = _scheduled(cast, person)
    with pytest.raises(ValidationError):
        services.public_comment_add(line=line, author_name="A", contact="a@example.vn", text="Góp ý sớm.")
    notice.public_notice_start(dossier=dossier, working_days=10, actor=Actor(cast.board))
    _days_ago(line, 11)
    with pytest.raises(ValidationError):
        services.public_comment_add(line=line, author_name="A", contact="a@example.vn", text="Góp ý muộn.")
    assert not PublicComment.objects.exists()


def test_api_starts_the_notice_answers_and_the_session_lock_answers_409(cast, person, api):
    dossier, line, session = _scheduled(cast, person)
    url = reverse("dossier-public-notice", args=[dossier.pk])
    refused = api(cast.board).post(url, {"working_days": 3}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"]["working_days"][0].startswith("Phải công khai ít nhất 10 ngày")
    assert api(cast.officer).post(url, {"working_days": 10}, format="json").status_code == 403
    started = api(cast.board).post(url, {"working_days": 10}, format="json")
    assert started.status_code == 201, started.content
    row = started.json()["lines"][0]
    assert (row["line"], row["elapsed"], row["required"]) == (line.pk, 0, 10)
    assert "0/10 ngày làm việc" in row["refusal"]

    locked = api(cast.secretary).post(
        reverse("session-perform-transition", args=[session.pk, "lock_agenda"]), {}, format="json"
    )
    assert locked.status_code == 409
    assert "0/10 ngày làm việc" in locked.json()["detail"]

    comment = services.public_comment_add(line=line, author_name="A", contact="a@example.vn", text="Góp ý.")
    answer_url = reverse("dossier-public-comment-answer", args=[dossier.pk, comment.pk])
    assert api(cast.board).post(answer_url, {"answer": ""}, format="json").status_code == 400
    answered = api(cast.board).post(answer_url, {"answer": "Ban đã xác minh."}, format="json")
    assert answered.status_code == 200, answered.content
    assert answered.json()["comments"][0]["answer"] == "Ban đã xác minh."
    assert api(cast.board).post(answer_url, {"answer": "Lần nữa"}, format="json").status_code == 400
    listed = api(cast.board).get(url).json()
    assert listed["lines"][0]["comments"][0]["resolved"] is True


def test_board_page_starts_the_notice_and_answers_keeping_the_input(cast, person, client):
    dossier, line, session = _scheduled(cast, person)
    client.force_login(cast.board)
    url = reverse("dossiers:public_notice", args=[dossier.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "chưa công khai trước khi họp hội đồng" in page.content.decode()
    refused = client.post(url, {"action": "start", "working_days": "4"})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "Phải công khai ít nhất 10 ngày làm việc (đã nhập 4)" in body and 'value="4"' in body
    assert client.post(url, {"action": "start", "working_days": "10"}).status_code == 302
    comment = services.public_comment_add(line=line, author_name="A", contact="a@example.vn", text="Góp ý.")
    public = client.get(reverse("dossiers:public")).content.decode()
    assert line.nominee.full_name in public and "công khai trước khi họp hội đồng" in public
    refused = client.post(url, {"action": "answer", "comment": comment.pk, f"a{comment.pk}-answer": ""})
    assert refused.status_code == 400
    done = client.post(url, {"action": "answer", "comment": comment.pk, f"a{comment.pk}-answer": "Đã rõ."})
    assert done.status_code == 302
    comment.refresh_from_db()
    assert comment.answer == "Đã rõ."
    client.force_login(cast.officer)
    assert client.get(url).status_code in (403, 404)
    assert line.state == NomineeState.ON_AGENDA
