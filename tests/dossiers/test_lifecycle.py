"""The dossier's lifecycle: every step, in order, by the right role only, with its audit trail."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from councils.models import Session, SessionState
from councils.services import session_create
from dossiers.models import AwardRecord, Dossier, DossierState, NomineeState, RecordSource, ReturnItem
from workflows import engine
from workflows.audit import history_for
from workflows.calendar import add_working_days

from .consultation_helpers import consult_all
from .helpers import (
    YEAR,
    award,
    council_result,
    council_session,
    eligible_nominee,
    end_posting,
    ready_dossier,
    walk_to,
)

pytestmark = pytest.mark.django_db


def test_whole_lifecycle_writes_exactly_these_audit_rows(cast):
    dossier = ready_dossier(cast)
    [line] = dossier.lines.all()
    walk_to(cast, dossier, "decided")
    engine.perform(dossier, "close", user=cast.board)
    dossier.refresh_from_db()
    line.refresh_from_db()
    assert dossier.state == DossierState.CLOSED
    assert line.state == NomineeState.APPROVED
    rows = [
        (e.verb, e.source_state, e.target_state, e.actor.username if e.actor else None, e.role)
        for e in history_for(dossier)
    ]
    assert rows == [
        ("create", "", "draft", "unit.officer", "unit_officer"),
        ("nominee_add", "", "", "unit.officer", "unit_officer"),
        ("document_upload", "", "", "unit.officer", "unit_officer"),
        ("document_upload", "", "", "unit.officer", "unit_officer"),
        ("document_upload", "", "", "unit.officer", "unit_officer"),
        ("submit", "draft", "submitted", "unit.head", "unit_head"),
        ("accept", "submitted", "accepted", "board.officer", "board_officer"),
        ("sign_off", "accepted", "appraised", "board.head", "board_head"),
        ("schedule", "appraised", "on_agenda", "board.officer", "board_officer"),
        ("record_council_results", "on_agenda", "voted", None, "council_secretary"),
        ("post", "voted", "posted", "board.officer", "board_officer"),
        ("decide", "posted", "decided", "chairman", "city_chairman"),
        ("close", "decided", "closed", "board.officer", "board_officer"),
    ]
    line_rows = [(e.verb, e.source_state, e.target_state, e.role) for e in history_for(line)]
    assert line_rows == [
        ("propose", "pending", "proposed", "board_officer"),
        ("place_on_agenda", "proposed", "on_agenda", "board_officer"),
        ("council_pass", "on_agenda", "passed", "council_secretary"),
        ("approve", "passed", "approved", "city_chairman"),
    ]
    council_event = list(history_for(line))[2]
    assert council_event.data["council_result"]["agree"] == 19
    record = AwardRecord.objects.get(dossier_nominee=line)
    assert (record.award.code, record.year, record.decision_number, record.source) == (
        "bk-tp",
        YEAR,
        "123/QĐ-UBND",
        RecordSource.DECIDED_HERE,
    )


def _refused(obj, name, user, error=engine.TransitionNotAllowed, data=None):
    obj.refresh_from_db()
    before = obj.state
    with pytest.raises(error):
        engine.perform(obj, name, user=user, data=data or {})
    obj.refresh_from_db()
    assert obj.state == before


def test_only_the_unit_head_submits(cast):
    dossier = ready_dossier(cast)
    for user in (cast.officer, cast.board, cast.head2, cast.chairman):
        _refused(dossier, "submit", user, engine.ActionForbidden)
    engine.perform(dossier, "submit", user=cast.head)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.SUBMITTED
    # the day in Asia/Ho_Chi_Minh (after 17:00 UTC it is already the next day there)
    assert dossier.deadline == add_working_days(timezone.localdate(dossier.submitted_at), 5)
    _refused(dossier, "submit", cast.head)


def test_steps_cannot_be_skipped(cast):
    dossier = ready_dossier(cast)
    _refused(dossier, "accept", cast.board)
    _refused(dossier, "sign_off", cast.board_head)
    _refused(dossier, "schedule", cast.board)
    _refused(dossier, "post", cast.board, data={"working_days": 10})
    _refused(dossier, "decide", cast.chairman)
    _refused(dossier, "forward", cast.board)
    _refused(dossier, "close", cast.board)
    [line] = dossier.lines.all()
    _refused(line, "propose", cast.board, data={"comment": "Đủ"})


def test_each_board_step_refuses_the_wrong_role(cast):
    dossier = walk_to(cast, ready_dossier(cast), "submitted")
    _refused(dossier, "accept", cast.head, engine.ActionForbidden)
    _refused(
        dossier,
        "return_for_supplement",
        cast.officer,
        engine.ActionForbidden,
        data={"comment": "x", "items": "y", "working_days": 5},
    )
    engine.perform(dossier, "accept", user=cast.board)
    [line] = dossier.lines.all()
    _refused(line, "propose", cast.head, engine.ActionForbidden, data={"comment": "Đủ"})
    _refused(dossier, "sign_off", cast.board_head)  # no opinion yet: 409
    engine.perform(line, "propose", user=cast.board, data={"comment": "Đủ tiêu chuẩn"})
    _refused(dossier, "sign_off", cast.board, engine.ActionForbidden)
    engine.perform(dossier, "sign_off", user=cast.board_head)
    session = {"session": council_session(cast).pk}
    _refused(dossier, "schedule", cast.head, engine.ActionForbidden, data=session)
    engine.perform(dossier, "schedule", user=cast.board, data=session)
    dossier.refresh_from_db()
    _refused(dossier, "record_council_results", cast.board, engine.ActionForbidden)
    line.refresh_from_db()
    _refused(line, "council_pass", cast.board_head, engine.ActionForbidden)
    council_result(line, True)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.VOTED
    _refused(dossier, "post", cast.head, engine.ActionForbidden, data={"working_days": 10})
    engine.perform(dossier, "post", user=cast.board, data={"working_days": 10})
    end_posting(dossier)
    decision = {"decision_number": "1/QĐ-UBND", "decision_date": "2024-01-10", "approved": str(line.pk)}
    _refused(dossier, "decide", cast.board_head, engine.ActionForbidden, data=decision)
    line.refresh_from_db()
    _refused(line, "approve", cast.chairman, engine.ActionForbidden)
    engine.perform(dossier, "decide", user=cast.chairman, data=decision)


def test_submission_is_refused_without_documents_or_when_not_eligible(cast):
    from dossiers import services
    from tests.factories import NomineeFactory

    dossier = services.dossier_create(
        unit=cast.unit, year=YEAR, occasion="annual", title="Thiếu", user=cast.officer
    )
    with pytest.raises(ValidationError) as error:
        engine.perform(dossier, "submit", user=cast.head)
    assert "chưa có đối tượng" in str(error.value)
    newcomer = NomineeFactory(unit=cast.unit, full_name="Lê Văn Mới")
    services.line_add(
        dossier=dossier, nominee=newcomer, award=award("bk-tp"), achievement_report="Tốt", user=cast.officer
    )
    with pytest.raises(ValidationError) as error:
        engine.perform(dossier, "submit", user=cast.head)
    text = " ".join(error.value.messages)
    assert "Thiếu Tờ trình của hồ sơ." in text
    assert "Lê Văn Mới: thiếu Báo cáo thành tích" in text
    assert (
        "2 năm liên tục Chiến sĩ thi đua cơ sở" in text and "Luật TĐKT 2003 (sửa đổi 2013)" in text
    )  # 2023: NĐ 91
    dossier.refresh_from_db()
    assert dossier.state == DossierState.DRAFT
    assert dossier.submission_count == 0


def test_the_return_loop_twice(cast):
    dossier = walk_to(cast, ready_dossier(cast), "submitted")
    from dossiers import services

    from .helpers import pdf

    [line] = dossier.lines.all()
    for round_number in (1, 2):
        engine.perform(
            dossier,
            "return_for_supplement",
            user=cast.board,
            data={
                "comment": f"Lần {round_number}: thiếu xác nhận",
                "items": "Báo cáo chưa có xác nhận\nThiếu chữ ký",
                "working_days": 7,
            },
        )
        dossier.refresh_from_db()
        assert dossier.state == DossierState.RETURNED
        assert ReturnItem.objects.filter(dossier=dossier, round=round_number).count() == 2
        _refused(dossier, "accept", cast.board)
        services.document_upload(
            dossier=dossier,
            line=line,
            kind="achievement_report",
            upload=pdf("bao-cao.pdf", body=f"v{round_number + 1}".encode()),
            user=cast.officer,
        )
        _refused(dossier, "resubmit", cast.officer, engine.ActionForbidden)
        engine.perform(dossier, "resubmit", user=cast.head)
        dossier.refresh_from_db()
        assert dossier.state == DossierState.SUBMITTED
    assert dossier.submission_count == 3
    changes = services.submission_changes(
        dossier.submissions.get(number=2).snapshot, dossier.submissions.get(number=3).snapshot
    )
    assert changes == ["Thay Báo cáo thành tích (có xác nhận của cấp trình): phiên bản 2 → 3."]
    assert line.documents.filter(kind="achievement_report").count() == 3
    engine.perform(dossier, "accept", user=cast.board)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.ACCEPTED
    verbs = [e.verb for e in history_for(dossier) if e.target_state]
    assert verbs == [
        "create",
        "submit",
        "return_for_supplement",
        "resubmit",
        "return_for_supplement",
        "resubmit",
        "accept",
    ]


def test_return_deadline_counts_working_days(cast):
    dossier = walk_to(cast, ready_dossier(cast), "submitted")
    engine.perform(
        dossier,
        "return_for_supplement",
        user=cast.board,
        data={"comment": "Thiếu", "items": "Thiếu biên bản", "working_days": 10},
    )
    dossier.refresh_from_db()
    assert dossier.deadline == add_working_days(timezone.localdate(), 10)


def test_return_needs_a_reason_items_and_a_deadline(cast):
    dossier = walk_to(cast, ready_dossier(cast), "submitted")
    with pytest.raises(ValidationError) as error:
        engine.perform(dossier, "return_for_supplement", user=cast.board, data={"working_days": 0})
    assert set(error.value.message_dict) == {"comment", "items", "working_days"}
    dossier.refresh_from_db()
    assert dossier.state == DossierState.SUBMITTED


def test_the_unit_withdraws_before_acceptance_only(cast):
    dossier = walk_to(cast, ready_dossier(cast), "submitted")
    _refused(dossier, "withdraw", cast.board, engine.ActionForbidden, data={"comment": "Rút"})
    engine.perform(dossier, "withdraw", user=cast.head, data={"comment": "Đơn vị rút để hoàn thiện"})
    dossier.refresh_from_db()
    assert dossier.state == DossierState.WITHDRAWN
    accepted = walk_to(cast, ready_dossier(cast, title="Hồ sơ 2"), "accepted")
    _refused(accepted, "withdraw", cast.head, data={"comment": "Rút"})


def test_partial_approval_and_not_proposed_lines(cast):
    dossier = ready_dossier(cast, lines=(("bk-tp", None), ("bk-tp", None), ("bk-tp", None)))
    walk_to(cast, dossier, "accepted")
    first, second, third = dossier.lines.order_by("position")
    engine.perform(first, "propose", user=cast.board, data={"comment": "Đủ"})
    engine.perform(second, "propose", user=cast.board, data={"comment": "Đủ"})
    engine.perform(third, "not_propose", user=cast.board, data={"comment": "Thành tích chưa nổi bật"})
    engine.perform(dossier, "sign_off", user=cast.board_head)
    engine.perform(dossier, "schedule", user=cast.board, data={"session": council_session(cast).pk})
    council_result(first, True)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.ON_AGENDA  # waiting for the second result
    council_result(second, True)
    engine.perform(dossier, "post", user=cast.board, data={"working_days": 10})
    end_posting(dossier)
    bad = {"decision_number": "5/QĐ-UBND", "decision_date": "2024-02-01", "approved": str(first.pk)}
    _refused(dossier, "decide", cast.chairman, ValidationError, data=bad)
    engine.perform(dossier, "decide", user=cast.chairman, data={**bad, "rejected": str(second.pk)})
    states = dict(dossier.lines.values_list("pk", "state"))
    assert states == {
        first.pk: NomineeState.APPROVED,
        second.pk: NomineeState.REJECTED,
        third.pk: NomineeState.NOT_PROPOSED,
    }
    assert list(
        AwardRecord.objects.filter(dossier_nominee__dossier=dossier).values_list(
            "dossier_nominee_id", flat=True
        )
    ) == [first.pk]
    engine.perform(dossier, "close", user=cast.board)


def test_a_failed_council_vote_and_nothing_passed_closes_the_dossier(cast):
    dossier = walk_to(cast, ready_dossier(cast), "voted", passed=False)
    line = dossier.lines.get()
    assert line.state == NomineeState.FAILED
    assert line.council_explanation == "8/21 đồng ý"
    _refused(dossier, "post", cast.board, data={"working_days": 10})
    engine.perform(dossier, "close", user=cast.board)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.CLOSED


def test_a_serious_complaint_sends_the_nominee_back_to_appraisal(cast):
    from dossiers import services

    dossier = walk_to(cast, ready_dossier(cast), "posted")
    line = dossier.lines.get()
    services.public_comment_add(
        line=line,
        author_name="Nguyễn Văn Dân",
        contact="0909 000 000",
        text="Đối tượng đang bị khiếu nại về kê khai.",
    )
    _refused(line, "reappraise", cast.board, engine.ActionForbidden, data={"comment": "Khiếu nại"})
    engine.perform(line, "reappraise", user=cast.board_head, data={"comment": "Khiếu nại nghiêm trọng"})
    line.refresh_from_db()
    assert line.state == NomineeState.PENDING and line.council_agree is None
    end_posting(dossier)
    decision = {"decision_number": "9", "decision_date": "2024-02-01", "approved": ""}
    _refused(dossier, "decide", cast.chairman, data=decision)
    engine.perform(line, "not_propose", user=cast.board, data={"comment": "Khiếu nại đúng, không đề nghị"})
    engine.perform(dossier, "decide", user=cast.chairman, data=decision)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.DECIDED
    assert [e.verb for e in history_for(line)][-3:] == ["public_comment", "reappraise", "not_propose"]


def test_a_reappraised_nominee_can_go_back_to_the_council(cast):
    dossier = walk_to(cast, ready_dossier(cast), "posted")
    line = dossier.lines.get()
    engine.perform(line, "reappraise", user=cast.board_head, data={"comment": "Xác minh lại"})
    engine.perform(line, "propose", user=cast.board, data={"comment": "Đã xác minh, đủ"})
    first = council_session(cast)
    # council_result stood in for the first session's issued resolution: its agenda is closed now
    Session.objects.filter(pk=first.pk).update(state=SessionState.RESOLUTION_ISSUED)
    _refused(line, "place_on_agenda", cast.board, ValidationError, data={"session": first.pk})
    # no session: the line would wait on no agenda
    _refused(line, "place_on_agenda", cast.board, ValidationError)
    second = session_create(
        council_term=first.council_term,
        title="Phiên họp xét lại",
        planned_on=date(2024, 3, 1),
        actor=cast.board,
    )
    engine.perform(line, "place_on_agenda", user=cast.board, data={"session": second.pk})
    line.refresh_from_db()
    assert line.council_item_ref == str(second.items.get(subject_id=str(line.pk)).pk)
    council_result(line, True)
    line.refresh_from_db()
    dossier.refresh_from_db()
    assert (line.state, dossier.state) == (NomineeState.PASSED, DossierState.POSTED)


def test_state_level_award_is_forwarded_and_recorded_per_nominee(cast):
    dossier = ready_dossier(cast, lines=(("cstd-tq", None), ("cstd-tq", None), ("bk-tp", None)))
    walk_to(cast, dossier, "voted")
    _refused(dossier, "post", cast.board, ValidationError, data={"working_days": 5})  # ≥ 10 days for CSTĐTQ
    engine.perform(dossier, "post", user=cast.board, data={"working_days": 10})
    dossier.refresh_from_db()
    assert dossier.posted_until == add_working_days(timezone.localdate(), 10)
    decision = {
        "decision_number": "77/QĐ-UBND",
        "decision_date": "2024-03-01",
        "approved": ",".join(str(pk) for pk in dossier.lines.values_list("pk", flat=True)),
    }
    _refused(dossier, "decide", cast.chairman, data=decision)  # the public notice period is still running
    Dossier.objects.filter(pk=dossier.pk).update(posted_until="2024-01-01")
    dossier.refresh_from_db()
    engine.perform(dossier, "decide", user=cast.chairman, data=decision)
    dossier.refresh_from_db()
    _refused(dossier, "close", cast.board)
    first, second, city = dossier.lines.order_by("position")
    assert AwardRecord.objects.filter(dossier_nominee__dossier=dossier).count() == 1  # the city award only
    # hiệp y is required for the state-level lines (their rule version's agencies): none sent, no forwarding
    with pytest.raises(engine.TransitionNotAllowed) as refused:
        engine.perform(
            dossier,
            "forward",
            user=cast.board,
            data={"submission_number": "88/TTr-UBND", "submission_date": "2024-03-05"},
        )
    assert (
        "Chưa gửi hiệp y: Cơ quan bảo hiểm xã hội, Cơ quan tài nguyên và môi trường, "
        "Cơ quan lao động - thương binh và xã hội, Cấp ủy Đảng (" in str(refused.value)
    )
    dossier.refresh_from_db()
    assert dossier.state == DossierState.DECIDED
    consult_all(cast, dossier)
    engine.perform(
        dossier,
        "forward",
        user=cast.board,
        data={"submission_number": "88/TTr-UBND", "submission_date": "2024-03-05"},
    )
    dossier.refresh_from_db()
    assert dossier.state == DossierState.FORWARDED
    assert dict(dossier.lines.values_list("pk", "state")) == {
        first.pk: NomineeState.FORWARDED,
        second.pk: NomineeState.FORWARDED,
        city.pk: NomineeState.APPROVED,
    }
    _refused(dossier, "close", cast.board)
    first.refresh_from_db()
    _refused(
        first,
        "central_approve",
        cast.head,
        engine.ActionForbidden,
        data={"decision_number": "1", "decision_date": "2024-05-01"},
    )
    engine.perform(
        first,
        "central_approve",
        user=cast.board,
        data={"decision_number": "1234/QĐ-TTg", "decision_date": "2024-05-01"},
    )
    second.refresh_from_db()
    engine.perform(second, "central_reject", user=cast.board, data={"comment": "Trung ương không xét"})
    engine.perform(dossier, "close", user=cast.board)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.CLOSED
    record = AwardRecord.objects.get(dossier_nominee=first)
    assert (record.award.code, record.decision_number, record.authority) == (
        "cstd-tq",
        "1234/QĐ-TTg",
        "Thủ tướng Chính phủ",
    )
    assert not AwardRecord.objects.filter(dossier_nominee=second).exists()


def test_decided_awards_feed_future_eligibility(cast):
    from dossiers.eligibility import blocking_errors

    nominee = eligible_nominee(cast.unit, "bk-tp")
    from tests.factories import AwardRecordFactory, YearlyRatingFactory

    AwardRecordFactory(nominee=nominee, award=award("cstdcs"), year=YEAR - 2)
    for year in range(YEAR - 3, YEAR + 2):
        YearlyRatingFactory(nominee=nominee, year=year, rating="HTT")
    assert any("Bằng khen cấp tỉnh" in m for m in blocking_errors(nominee, award("bk-ttg"), YEAR + 1))
    dossier = ready_dossier(cast, lines=(("bk-tp", nominee),))
    walk_to(cast, dossier, "decided")
    assert blocking_errors(nominee, award("bk-ttg"), YEAR + 1) == []


def test_an_overdue_step_reminds_the_assignee_once(cast):
    from datetime import date

    from dossiers.reminders import send_overdue_reminders
    from dossiers.selectors import overdue_dossiers
    from workflows.models import Notification

    dossier = walk_to(cast, ready_dossier(cast), "submitted")
    deadline = dossier.deadline
    assert list(overdue_dossiers(deadline)) == []
    late = date.fromordinal(deadline.toordinal() + 1)
    assert list(overdue_dossiers(late)) == [dossier]
    assert send_overdue_reminders(late) == 1
    assert send_overdue_reminders(late) == 0
    notification = Notification.objects.get(key__startswith="dossier-overdue:")
    assert notification.recipient == cast.board and "Quá hạn" in notification.text
    engine.perform(dossier, "accept", user=cast.board)
    assert list(overdue_dossiers(late)) == []


def test_a_delegated_vice_chairman_decides_on_behalf_of_the_chairman(cast, person):
    from datetime import timedelta

    from workflows.audit import SYSTEM
    from workflows.services import delegation_create

    vice = person("vice.chairman")
    today = timezone.localdate()
    delegation_create(
        delegator=cast.chairman,
        delegate=vice,
        role="city_chairman",
        actor=SYSTEM,
        valid_from=today - timedelta(days=1),
        valid_to=today + timedelta(days=7),
        reason="Đi công tác",
    )
    dossier = walk_to(cast, ready_dossier(cast), "posted")
    end_posting(dossier)
    line = dossier.lines.get()
    engine.perform(
        dossier,
        "decide",
        user=vice,
        data={"decision_number": "8/QĐ-UBND", "decision_date": "2024-01-09", "approved": str(line.pk)},
    )
    decide = [e for e in history_for(dossier) if e.verb == "decide"][0]
    approve = [e for e in history_for(line) if e.verb == "approve"][0]
    for event in (decide, approve):
        assert (event.actor, event.role, event.on_behalf_of) == (vice, "city_chairman", cast.chairman)
