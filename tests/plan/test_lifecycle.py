"""Every transition of a plan activity, with its role, state and evidence rules, through the engine and the API."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from plan.models import Activity, ActivityState
from tests.pdfs import pdf_bytes
from workflows import engine
from workflows.audit import history_for
from workflows.models import Role

pytestmark = pytest.mark.django_db

PDF = pdf_bytes(b"bao cao")


def transition(api, user, activity, name, data=None, **kwargs):
    return api(user).post(f"/api/activities/{activity.pk}/transitions/{name}/", data or {}, **kwargs)


def started(activity, user):
    return engine.perform(activity, "start", user=user)


def test_board_officer_starts_and_completes_with_a_document(api, activity, board_officer):
    response = transition(
        api, board_officer, activity, "start", {"comment": "Bắt đầu tổng hợp"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "in_progress"
    response = transition(
        api,
        board_officer,
        activity,
        "complete",
        {"evidence_number": "35/BC-BTĐKT", "evidence_date": "2023-03-20"},
        format="json",
    )
    assert response.status_code == 200, response.content
    activity.refresh_from_db()
    assert activity.state == ActivityState.COMPLETED
    assert (activity.evidence_number, activity.evidence_date) == ("35/BC-BTĐKT", date(2023, 3, 20))
    events = list(history_for(activity))
    assert [e.verb for e in events] == ["imported", "start", "complete"]
    assert events[-1].role == Role.BOARD_OFFICER and events[-1].target_state == "completed"
    assert events[-1].data["changes"]["evidence_number"] == ["", "35/BC-BTĐKT"]


def test_completion_without_evidence_is_400_in_vietnamese(api, activity, board_officer):
    started(activity, board_officer)
    response = transition(api, board_officer, activity, "complete", {}, format="json")
    assert response.status_code == 400
    assert "Cần minh chứng kết quả" in response.json()["errors"]["evidence_number"][0]
    response = transition(
        api, board_officer, activity, "complete", {"evidence_number": "12/BC"}, format="json"
    )
    assert response.status_code == 400
    assert "Nhập ngày" in response.json()["errors"]["evidence_date"][0]
    activity.refresh_from_db()
    assert activity.state == ActivityState.IN_PROGRESS


def test_completion_with_a_pdf_attachment(api, activity, board_officer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    started(activity, board_officer)
    upload = SimpleUploadedFile("bao-cao.pdf", PDF, content_type="application/pdf")
    response = transition(
        api, board_officer, activity, "complete", {"evidence_file": upload}, format="multipart"
    )
    assert response.status_code == 200, response.content
    activity.refresh_from_db()
    assert (
        activity.evidence_file.name.startswith("plan/2023/activity-5/")
        and activity.evidence_file.read() == PDF
    )


def test_a_file_that_is_not_a_pdf_is_refused(api, activity, board_officer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    started(activity, board_officer)
    upload = SimpleUploadedFile("bao-cao.pdf", b"MZ not a pdf", content_type="application/pdf")
    response = transition(
        api, board_officer, activity, "complete", {"evidence_file": upload}, format="multipart"
    )
    assert response.status_code == 400
    assert "PDF" in response.json()["errors"]["evidence_file"][0]


def test_lead_unit_officer_may_start_and_complete_but_not_another_units(api, plan, person):
    activity = plan.activities.get(number=19)  # led by Sở Giáo dục và Đào tạo
    other = plan.activities.get(number=5)
    officer = person("gd.officer", Role.UNIT_OFFICER, unit=activity.lead_unit)
    assert transition(api, officer, other, "start").status_code == 403
    assert transition(api, officer, activity, "start").status_code == 200
    response = transition(
        api,
        officer,
        activity,
        "complete",
        {"evidence_number": "88/QĐ-SGDĐT", "evidence_date": "2023-07-25"},
        format="json",
    )
    assert response.status_code == 200, response.content


def test_unit_head_may_start_but_not_complete(api, plan, person):
    activity = plan.activities.get(number=19)
    head = person("gd.head", Role.UNIT_HEAD, unit=activity.lead_unit)
    assert transition(api, head, activity, "start").status_code == 200
    response = transition(
        api,
        head,
        activity,
        "complete",
        {"evidence_number": "1/BC", "evidence_date": "2023-07-01"},
        format="json",
    )
    assert response.status_code == 403
    assert "Chuyên viên Ban TĐKT" in response.json()["detail"]


def test_wrong_state_is_409(api, activity, board_officer, board_head):
    response = transition(
        api,
        board_officer,
        activity,
        "complete",
        {"evidence_number": "1/BC", "evidence_date": "2023-03-01"},
        format="json",
    )
    assert response.status_code == 409
    assert "Chưa triển khai" in response.json()["detail"]
    assert transition(api, board_head, activity, "resume").status_code == 409


def test_only_the_board_head_postpones_with_reason_and_a_later_date(api, activity, board_officer, board_head):
    data = {"comment": "Chờ số liệu của Bộ", "new_due_date": "2023-04-28"}
    assert transition(api, board_officer, activity, "postpone", data, format="json").status_code == 403
    response = transition(
        api, board_head, activity, "postpone", {"new_due_date": "2023-04-28"}, format="json"
    )
    assert response.status_code == 400 and "comment" in response.json()["errors"]
    response = transition(
        api, board_head, activity, "postpone", {**data, "new_due_date": "2023-03-01"}, format="json"
    )
    assert response.status_code == 400
    assert "Thời hạn mới phải sau" in response.json()["errors"]["new_due_date"][0]
    response = transition(api, board_head, activity, "postpone", data, format="json")
    assert response.status_code == 200, response.content
    activity.refresh_from_db()
    assert activity.state == ActivityState.POSTPONED
    assert activity.due_date == date(2023, 4, 28) and activity.planned_due_date == date(2023, 3, 31)
    assert activity.postponement_reason == "Chờ số liệu của Bộ"


def test_postponed_activity_resumes_where_it_was(activity, board_officer, board_head, plan):
    data = {"comment": "Lùi lịch", "new_due_date": "2023-05-31"}
    engine.perform(activity, "postpone", user=board_head, data=data)
    engine.perform(activity, "resume", user=board_officer)
    activity.refresh_from_db()
    assert activity.state == ActivityState.PLANNED
    started_one = plan.activities.get(number=4)
    started(started_one, board_officer)
    engine.perform(started_one, "postpone", user=board_head, data=data)
    engine.perform(started_one, "resume", user=board_head)
    started_one.refresh_from_db()
    assert started_one.state == ActivityState.IN_PROGRESS
    assert [e.target_state for e in history_for(started_one)][-2:] == ["postponed", "in_progress"]


def test_only_the_city_chairman_cancels_with_a_reason(api, activity, board_head, chairman, person, unit):
    lead_unit_head = person("lead.head", Role.UNIT_HEAD, unit=activity.lead_unit)
    assert (
        transition(api, board_head, activity, "cancel", {"comment": "Không cần"}, format="json").status_code
        == 403
    )
    assert (
        transition(api, lead_unit_head, activity, "cancel", {"comment": "x"}, format="json").status_code
        == 403
    )
    response = transition(api, chairman, activity, "cancel", {}, format="json")
    assert response.status_code == 400 and response.json()["errors"]["comment"]
    response = transition(
        api, chairman, activity, "cancel", {"comment": "Gộp vào hoạt động 14"}, format="json"
    )
    assert response.status_code == 200
    activity.refresh_from_db()
    assert (
        activity.state == ActivityState.CANCELLED and activity.cancellation_reason == "Gộp vào hoạt động 14"
    )
    assert transition(api, chairman, activity, "cancel", {"comment": "lại"}, format="json").status_code == 409


def test_postponed_activity_can_be_cancelled(activity, board_head, chairman):
    engine.perform(
        activity, "postpone", user=board_head, data={"comment": "Lùi", "new_due_date": "2023-06-30"}
    )
    engine.perform(activity, "cancel", user=chairman, data={"comment": "Không tổ chức"})
    activity.refresh_from_db()
    assert activity.state == ActivityState.CANCELLED


def test_completed_and_cancelled_are_final(activity, board_officer, board_head, chairman):
    started(activity, board_officer)
    engine.perform(
        activity,
        "complete",
        user=board_officer,
        data={"evidence_number": "1/BC", "evidence_date": "2023-03-01"},
    )
    for name, user, data in [
        ("postpone", board_head, {"comment": "x", "new_due_date": "2023-12-01"}),
        ("cancel", chairman, {"comment": "x"}),
        ("start", board_officer, {}),
    ]:
        with pytest.raises(engine.TransitionNotAllowed):
            engine.perform(activity, name, user=user, data=data)


def test_evidence_date_in_the_future_is_refused(activity, board_officer):
    started(activity, board_officer)
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        engine.perform(
            activity,
            "complete",
            user=board_officer,
            data={"evidence_number": "1/BC", "evidence_date": tomorrow.isoformat()},
        )
    assert "evidence_date" in error.value.message_dict


def test_state_column_cannot_be_written_directly(activity):
    with pytest.raises(AttributeError):
        activity.state = ActivityState.COMPLETED
    assert Activity.objects.get(pk=activity.pk).state == ActivityState.PLANNED


def test_transitions_listing_tells_each_role_what_it_may_do(api, activity, board_head):
    checks = {c["name"]: c for c in api(board_head).get(f"/api/activities/{activity.pk}/transitions/").json()}
    assert checks["start"]["allowed"] and checks["postpone"]["allowed"]
    assert not checks["cancel"]["allowed"] and "Chủ tịch UBND thành phố" in checks["cancel"]["reason"]
    assert not checks["complete"]["allowed"]


def test_inbox_lists_activities_waiting_for_the_board(client, plan, board_officer):
    client.force_login(board_officer)
    page = client.get("/").content.decode()
    assert "Hoạt động kế hoạch TĐKT".lower() in page.lower()


def test_transitions_notify_the_lead_unit_and_the_board_not_the_chairman(
    plan, board_officer, board_head, chairman, person
):
    from workflows.models import Notification
    from workflows.tasks import notify_event

    activity = plan.activities.get(number=19)
    person("gd.officer", Role.UNIT_OFFICER, unit=activity.lead_unit)
    person("board.officer2", Role.BOARD_OFFICER)
    started(activity, board_officer)
    notify_event(history_for(activity).last().pk)
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
        "gd.officer",
        "board.officer2",
    }
    engine.perform(
        activity, "postpone", user=board_head, data={"comment": "Lùi", "new_due_date": "2023-08-31"}
    )
    notify_event(history_for(activity).last().pk)
    assert Notification.objects.filter(recipient=board_officer).exists()
    assert not Notification.objects.filter(recipient=chairman).exists()
