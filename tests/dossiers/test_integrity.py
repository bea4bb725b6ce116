"""Eligibility integrity (issue 16): one achievement, one award; holds; a person's identity by CCCD."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from dossiers import services
from dossiers.identity import validate_cccd
from dossiers.lifecycle import DossierLifecycle
from dossiers.models import AwardRecord, Dossier, DossierState, Nominee, NomineeHold, NomineeState
from tests.factories import AwardRecordFactory, NomineeFactory
from workflows import engine
from workflows.audit import Actor
from workflows.models import AuditEvent
from workflows.policies import PolicyDenied

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

REPORT = "Hoàn thành xuất sắc nhiệm vụ được giao."


def _draft(cast, year=YEAR):
    return services.dossier_create(
        unit=cast.unit, year=year, occasion="annual", title="Đề nghị bổ sung", user=cast.officer
    )


def _add(cast, dossier, nominee, code="bk-tp"):
    return services.line_add(
        dossier=dossier,
        nominee=nominee,
        award=award(code, year=dossier.year),  # the award of the rule version for the dossier's year
        achievement_report=REPORT,
        user=cast.officer,
    )


def _field(response, name):
    """A field's messages in a 400 answer (problem details keep them under "errors")."""
    return response.data.get("errors", response.data)[name]


def _refusal(excinfo) -> str:
    return " ".join(excinfo.value.messages)


# -- one achievement, one award -----------------------------------------------------------------------------
def test_the_same_award_for_the_same_year_in_another_draft_is_refused_naming_it(cast):
    nominee = eligible_nominee(cast.unit)
    first = _draft(cast)
    _add(cast, first, nominee)
    second = _draft(cast)
    with pytest.raises(ValidationError) as excinfo:
        _add(cast, second, nominee)
    assert excinfo.value.message_dict["award"] == [
        f"Đã đề nghị «{award('bk-tp').name}» cho {nominee.full_name} năm {YEAR} trong hồ sơ số {first.pk}."
    ]
    assert not second.lines.exists()
    # another year's achievement, or another award, is free
    assert _add(cast, _draft(cast, year=YEAR + 1), nominee).pk
    assert _add(cast, second, nominee, code="cstd-tp").pk


def test_a_closed_dossier_still_holds_the_achievement(cast):
    dossier = walk_to(cast, ready_dossier(cast), "decided")
    engine.perform(dossier, "close", user=cast.board)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.CLOSED
    nominee = dossier.lines.get().nominee
    with pytest.raises(ValidationError) as excinfo:
        _add(cast, _draft(cast), nominee)
    assert f"trong hồ sơ số {dossier.pk}." in _refusal(excinfo)


def test_a_withdrawn_dossier_or_a_refused_line_holds_nothing(cast):
    nominee = eligible_nominee(cast.unit)
    withdrawn = _draft(cast)
    _add(cast, withdrawn, nominee)
    engine.perform(withdrawn, "withdraw", user=cast.head, data={"comment": "Lập nhầm"})
    assert _add(cast, _draft(cast), nominee).pk


def test_an_award_record_entered_by_hand_blocks_the_same_award(cast):
    nominee = NomineeFactory(unit=cast.unit)
    record = AwardRecordFactory(
        nominee=nominee,
        award=award("cstdcs"),
        year=YEAR,
        decision_number="45/QĐ-UBND",
        decision_date=date(2023, 12, 28),
    )
    with pytest.raises(ValidationError) as excinfo:
        _add(cast, _draft(cast), nominee, code="cstdcs")
    message = _refusal(excinfo)
    assert f"{nominee.full_name} đã được «{award('cstdcs').name}» năm {YEAR}" in message
    assert "quyết định số 45/QĐ-UBND ngày 28/12/2023" in message and f"bản ghi số {record.pk}" in message
    # a record the Board rejected does not count
    AwardRecord.objects.filter(pk=record.pk).update(status="rejected")
    assert _add(cast, _draft(cast), nominee, code="cstdcs").pk


def test_changing_a_line_keeps_its_own_award_and_refuses_one_already_held(cast):
    nominee = eligible_nominee(cast.unit)
    dossier = _draft(cast)
    line = _add(cast, dossier, nominee)
    services.line_update(line=line, user=cast.officer, award=award("bk-tp"), achievement_report="Sửa lại")
    AwardRecordFactory(nominee=nominee, award=award("cstdcs"), year=YEAR)
    with pytest.raises(ValidationError) as excinfo:
        services.line_update(line=line, user=cast.officer, award=award("cstdcs"))
    assert "đã được «" in _refusal(excinfo)


def test_submission_rechecks_the_achievement_with_409(cast, api):
    dossier = ready_dossier(cast)
    nominee = dossier.lines.get().nominee
    # entered by hand after the line was added: the submission finds it
    AwardRecordFactory(nominee=nominee, award=award("bk-tp"), year=YEAR, decision_number="7/QĐ-UBND")
    check = engine.check(DossierLifecycle(dossier), "submit", cast.head)
    assert not check.allowed and "7/QĐ-UBND" in check.reason
    response = api(cast.head).post(f"/api/dossiers/{dossier.pk}/transitions/submit/")
    assert response.status_code == 409, response.data
    assert "7/QĐ-UBND" in response.data["detail"] and response.data["code"] == "transition_not_allowed"
    assert Dossier.objects.get(pk=dossier.pk).state == DossierState.DRAFT


def test_the_api_refuses_a_second_proposal_with_a_code(cast, api):
    nominee = eligible_nominee(cast.unit)
    first = _draft(cast)
    _add(cast, first, nominee)
    second = _draft(cast)
    response = api(cast.officer).post(
        "/api/dossier-lines/",
        {
            "dossier": second.pk,
            "nominee": nominee.pk,
            "award": award("bk-tp").pk,
            "achievement_report": REPORT,
        },
        format="json",
    )
    assert response.status_code == 400, response.data
    assert response.data["code"] == "duplicate_award"
    assert f"trong hồ sơ số {first.pk}." in _field(response, "award")[0]


def test_the_web_form_refuses_a_second_proposal_and_keeps_the_input(cast, client):
    nominee = eligible_nominee(cast.unit)
    first = _draft(cast)
    _add(cast, first, nominee)
    second = _draft(cast)
    client.force_login(cast.officer)
    response = client.post(
        reverse("dossiers:detail", args=[second.pk]),
        {
            "add_line": "1",
            "line-nominee": nominee.pk,
            "line-award": award("bk-tp").pk,
            "line-achievement_report": "Báo cáo thành tích đã soạn kỹ",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert f"trong hồ sơ số {first.pk}." in body
    assert "Báo cáo thành tích đã soạn kỹ" in body
    assert not second.lines.exists()


# -- holds ----------------------------------------------------------------------------------------------------
def _hold(cast, nominee, **fields):
    values = {
        "kind": "inspection",
        "starts_on": timezone.localdate() - timedelta(days=3),
        "ends_on": None,
        "source_document": "Quyết định thanh tra số 12/QĐ-TTr ngày 01/11/2023",
    }
    values.update(fields)
    return services.hold_create(nominee=nominee, actor=Actor(cast.board), **values)


def test_the_board_records_and_lifts_a_hold_audited_and_nobody_else_may(cast):
    nominee = eligible_nominee(cast.unit)
    with pytest.raises(PolicyDenied):
        services.hold_create(
            nominee=nominee,
            actor=Actor(cast.officer),
            kind="discipline",
            starts_on=timezone.localdate(),
            source_document="QĐ 1",
        )
    hold = _hold(cast, nominee)
    assert hold.in_force(timezone.localdate())
    with pytest.raises(PolicyDenied):
        services.hold_lift(hold=hold, note="Xong", actor=Actor(cast.head))
    with pytest.raises(ValidationError) as excinfo:
        services.hold_lift(hold=hold, note="  ", actor=Actor(cast.board))
    assert "lý do gỡ" in _refusal(excinfo)
    services.hold_lift(hold=hold, note="Kết luận thanh tra không có vi phạm", actor=Actor(cast.board))
    hold.refresh_from_db()
    assert hold.lifted_on == timezone.localdate() and not hold.in_force(timezone.localdate())
    verbs = list(
        AuditEvent.objects.filter(subject_id=str(nominee.pk), verb__startswith="hold_").values_list(
            "verb", flat=True
        )
    )
    assert sorted(verbs) == ["hold_create", "hold_lift"]
    with pytest.raises(ValidationError):
        services.hold_lift(hold=hold, note="Lần nữa", actor=Actor(cast.board))


def test_a_hold_refuses_bad_dates_and_a_missing_source(cast):
    nominee = eligible_nominee(cast.unit)
    with pytest.raises(ValidationError) as excinfo:
        _hold(cast, nominee, ends_on=timezone.localdate() - timedelta(days=10), source_document=" ")
    errors = excinfo.value.message_dict
    assert "không được trước ngày bắt đầu" in errors["ends_on"][0]
    assert "văn bản căn cứ" in errors["source_document"][0]
    assert not NomineeHold.objects.exists()


def test_a_hold_in_force_blocks_submission_until_lifted(cast):
    dossier = ready_dossier(cast)
    nominee = dossier.lines.get().nominee
    today = timezone.localdate()
    _hold(cast, nominee, starts_on=today - timedelta(days=30), ends_on=today - timedelta(days=1))  # over
    _hold(cast, nominee, starts_on=today + timedelta(days=5))  # not yet
    assert engine.check(DossierLifecycle(dossier), "submit", cast.head).allowed
    hold = _hold(cast, nominee, kind="discipline", source_document="QĐ kỷ luật số 3/QĐ-UBND")
    check = engine.check(DossierLifecycle(dossier), "submit", cast.head)
    assert not check.allowed
    assert (
        f"{nominee.full_name} đang bị tạm dừng xét khen thưởng: Kỷ luật (QĐ kỷ luật số 3/QĐ-UBND"
        in check.reason
    )
    with pytest.raises(engine.TransitionNotAllowed):
        engine.perform(dossier, "submit", user=cast.head)
    services.hold_lift(hold=hold, note="Hết thời hạn kỷ luật", actor=Actor(cast.board))
    engine.perform(dossier, "submit", user=cast.head)
    assert Dossier.objects.get(pk=dossier.pk).state == DossierState.SUBMITTED


def test_a_hold_blocks_the_agenda_and_the_decision(cast):
    dossier = walk_to(cast, ready_dossier(cast), "appraised")
    line = dossier.lines.get()
    hold = _hold(cast, line.nominee, kind="complaint", source_document="Đơn khiếu nại ngày 02/01/2024")
    check = engine.check(DossierLifecycle(dossier), "schedule", cast.board)
    assert not check.allowed and "Khiếu nại, tố cáo" in check.reason
    with pytest.raises(engine.TransitionNotAllowed):
        engine.perform(dossier, "schedule", user=cast.board, data={"session": council_session(cast).pk})
    services.hold_lift(hold=hold, note="Đơn không có cơ sở", actor=Actor(cast.board))
    engine.perform(dossier, "schedule", user=cast.board, data={"session": council_session(cast).pk})
    council_result(dossier.lines.get(), True)
    dossier.refresh_from_db()
    engine.perform(dossier, "post", user=cast.board, data={"working_days": 10})
    dossier.refresh_from_db()
    end_posting(dossier)
    hold = _hold(cast, line.nominee, kind="press", source_document="Báo Cần Thơ ngày 05/01/2024")
    check = engine.check(DossierLifecycle(dossier), "decide", cast.chairman)
    assert not check.allowed and "Báo chí phản ánh" in check.reason
    line.refresh_from_db()
    assert line.state == NomineeState.PASSED


def test_the_holds_api_for_the_board(cast, api):
    nominee = eligible_nominee(cast.unit)
    url = f"/api/nominees/{nominee.pk}/holds/"
    assert api(cast.officer).post(url, {"kind": "discipline"}, format="json").status_code == 403
    bad = api(cast.board).post(url, {"kind": "other", "starts_on": "31/02/2024"}, format="json")
    assert bad.status_code == 400
    assert {"kind", "starts_on", "source_document"} <= set(bad.data.get("errors", bad.data))
    response = api(cast.board).post(
        url,
        {
            "kind": "discipline",
            "starts_on": "01/12/2023",
            "source_document": "QĐ 9/QĐ-UBND",
            "note": "Khiển trách",
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    assert response.data["in_force"] is True and response.data["starts_on"] == "2023-12-01"
    listed = api(cast.officer).get(url)
    assert listed.status_code == 200 and [h["id"] for h in listed.data["holds"]] == [response.data["id"]]
    lift = f"{url}{response.data['id']}/lift/"
    assert api(cast.board).post(lift, {}, format="json").status_code == 400
    lifted = api(cast.board).post(lift, {"note": "Đã hết thời hạn"}, format="json")
    assert lifted.status_code == 200 and lifted.data["in_force"] is False
    assert api(cast.officer2).get(url).status_code == 404


def test_the_nominee_page_shows_the_board_its_holds_and_keeps_a_bad_form(cast, client):
    nominee = eligible_nominee(cast.unit)
    _hold(cast, nominee, source_document="Kết luận thanh tra 77/KL-TTr")
    client.force_login(cast.board)
    page = client.get(reverse("dossiers:nominee", args=[nominee.pk])).content.decode()
    assert "Kết luận thanh tra 77/KL-TTr" in page and "data-hold-in-force" in page
    response = client.post(
        reverse("dossiers:nominee_hold_add", args=[nominee.pk]),
        {
            "hold-kind": "press",
            "hold-starts_on": "10/01/2024",
            "hold-ends_on": "01/01/2024",
            "hold-source_document": "Báo Tuổi Trẻ số 15",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "không được trước ngày bắt đầu" in body and "Báo Tuổi Trẻ số 15" in body
    client.force_login(cast.officer)
    unit_page = client.get(reverse("dossiers:nominee", args=[nominee.pk])).content.decode()
    assert (
        "Kết luận thanh tra 77/KL-TTr" not in unit_page
    )  # the unit reads that the nominee is on hold, not why
    assert "Đang tạm dừng xét khen thưởng theo ghi nhận của Ban TĐKT." in unit_page
    assert client.post(reverse("dossiers:nominee_hold_add", args=[nominee.pk]), {}).status_code == 403


# -- identity -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["079123456789", "001099000001", "096300123456"])
def test_a_valid_cccd(value):
    validate_cccd(value)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("07912345678", "12 chữ số"),
        ("07912345678a", "12 chữ số"),
        ("000123456789", "mã tỉnh"),
        ("097123456789", "mã tỉnh"),
    ],
)
def test_an_invalid_cccd(value, reason):
    with pytest.raises(ValidationError) as excinfo:
        validate_cccd(value)
    assert reason in " ".join(excinfo.value.messages)


def test_a_second_person_with_the_same_cccd_is_refused_with_a_link(cast):
    first = services.nominee_create(
        unit=cast.unit,
        user=cast.officer,
        kind="individual",
        full_name="Lê Văn An",
        cccd="092 085 001 234",
        date_of_birth=date(1985, 3, 4),
    )
    assert first.cccd == "092085001234" and first.date_of_birth == date(1985, 3, 4)
    with pytest.raises(ValidationError) as excinfo:
        services.nominee_create(
            unit=cast.other_unit,
            user=cast.officer2,
            kind="individual",
            full_name="Lê An",
            cccd="092085001234",
        )
    message = excinfo.value.message_dict["cccd"][0]
    assert "Lê Văn An" in message and reverse("dossiers:nominee", args=[first.pk]) in message
    with pytest.raises(ValidationError) as excinfo:
        services.nominee_create(
            unit=cast.unit, user=cast.officer, kind="collective", full_name="Phòng A", cccd="092085001235"
        )
    assert "Chỉ cá nhân" in excinfo.value.message_dict["cccd"][0]
    # people without a CCCD (existing data) are still recorded
    services.nominee_create(unit=cast.unit, user=cast.officer, kind="individual", full_name="Lê Văn An")
    services.nominee_create(unit=cast.unit, user=cast.officer, kind="individual", full_name="Lê Văn Ba")
    assert Nominee.objects.filter(cccd="").count() == 2


def test_the_api_refuses_a_duplicate_or_invalid_cccd(cast, api):
    existing = NomineeFactory(unit=cast.unit, cccd="079123456789")
    officer = api(cast.officer2)
    body = {"kind": "individual", "unit": cast.other_unit.pk, "full_name": "Nguyễn B", "cccd": "079123456789"}
    response = officer.post("/api/nominees/", body, format="json")
    assert response.status_code == 400 and response.data["code"] == "duplicate_cccd"
    assert f"mã {existing.pk}" in _field(response, "cccd")[0]
    response = officer.post("/api/nominees/", {**body, "cccd": "12345"}, format="json")
    assert response.status_code == 400 and "12 chữ số" in str(_field(response, "cccd"))
    response = officer.post("/api/nominees/", {**body, "cccd": "079123456780"}, format="json")
    assert response.status_code == 201 and response.data["cccd"] == "079123456780"


def test_a_twin_saved_at_the_same_moment_is_refused_with_the_message_not_a_500(monkeypatch, cast):
    """The service checks first; if another request saved the same CCCD in between, the unique constraint
    trips: the refusal names the twin, next to the field, instead of a server error."""
    first = services.nominee_create(
        unit=cast.unit, user=cast.officer, kind="individual", full_name="Lê Văn An", cccd="092085001299"
    )
    checks = iter([None])  # the check before saving sees no twin, as in a race; the one after the error does
    real = services._check_identity
    monkeypatch.setattr(services, "_check_identity", lambda nominee: next(checks, "again") and real(nominee))
    with pytest.raises(ValidationError) as refused:
        services.nominee_create(
            unit=cast.unit, user=cast.officer, kind="individual", full_name="Lê An", cccd="092085001299"
        )
    assert str(first.pk) in " ".join(refused.value.message_dict["cccd"])
    assert Nominee.objects.filter(cccd="092085001299").count() == 1
