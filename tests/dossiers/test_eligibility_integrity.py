"""Eligibility integrity (issue 16, DOMAIN.md §2): the occasion of awards and lines, discipline that breaks the
merit chains, and the sector's rating calendar (school year for education). Each rule passes and fails through
the services, and through the API."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dossiers import services
from dossiers.eligibility import History, blocking_errors, check_rule, evaluate
from dossiers.history_import import awards_for
from dossiers.models import AwardRecord, DocumentKind, NomineeState, RecordStatus, RuleKind, YearlyRating
from organisations.models import RatingCalendar
from tests.factories import AwardRecordFactory, NomineeFactory, UnitFactory, YearlyRatingFactory
from workflows import engine
from workflows.audit import Actor

from .helpers import YEAR, award, council_result, council_session, end_posting, pdf
from .test_unit_round import unit_council  # noqa: F401, F811  (the unit's own council, a fixture)

pytestmark = pytest.mark.django_db

REPORT = "Cứu người trong vụ cháy chợ ngày 12/10/2023."


def titles(nominee, code, *years, **fields):
    for year in years:
        AwardRecordFactory(nominee=nominee, award=award(code), year=year, **fields)


def discipline(cast, nominee, starts_on, ends_on, **fields):
    return services.hold_create(
        nominee=nominee,
        kind="discipline",
        starts_on=starts_on,
        ends_on=ends_on,
        source_document="Quyết định kỷ luật số 5/QĐ-KL",
        actor=Actor(cast.board),
        **fields,
    )


def dossier_of(cast, occasion, unit=None):
    return services.dossier_create(
        unit=unit or cast.unit, year=YEAR, occasion=occasion, title="Đề nghị khen thưởng", user=cast.officer
    )


def add_line(cast, dossier, nominee, code="bk-tp"):
    return services.line_add(
        dossier=dossier, nominee=nominee, award=award(code), achievement_report=REPORT, user=cast.officer
    )


def upload_everything(cast, dossier):
    """Every document the lines need for the dossier's occasion (services.required_documents)."""
    for line in dossier.lines.select_related("award"):
        for kind in services.required_documents(line.award, dossier.occasion):
            if kind in services.DOSSIER_LEVEL_KINDS:
                if not dossier.documents.filter(kind=kind).exists():
                    services.document_upload(dossier=dossier, kind=kind, upload=pdf(), user=cast.officer)
            else:
                services.document_upload(
                    dossier=dossier, line=line, kind=kind, upload=pdf(), user=cast.officer
                )


# -- occasion ---------------------------------------------------------------------------------------------------
def test_a_sudden_line_is_not_held_to_the_merit_chain_but_an_annual_one_is(cast):
    nominee = NomineeFactory(unit=cast.unit)  # no CSTĐCS streak, no rating streak
    annual = add_line(cast, dossier_of(cast, "annual"), nominee)
    [refused] = blocking_errors(nominee, award("bk-tp"), YEAR, annual)
    assert "0/2 năm liên tục Chiến sĩ thi đua cơ sở" in refused
    # the same award the same year for a sudden achievement: another achievement, another line
    line = add_line(cast, dossier_of(cast, "sudden"), nominee)
    assert blocking_errors(nominee, award("bk-tp"), YEAR, line) == []
    [chain] = [o for o in evaluate(nominee, award("bk-tp"), YEAR, line) if o.rule.kind == RuleKind.ANY_OF]
    assert chain.passed and "không áp dụng với khen thưởng đột xuất" in chain.detail


def test_one_achievement_one_award_within_an_occasion(cast):
    nominee = NomineeFactory(unit=cast.unit)
    add_line(cast, dossier_of(cast, "sudden"), nominee)
    with pytest.raises(ValidationError) as refused:
        add_line(cast, dossier_of(cast, "sudden"), nominee)
    assert "Đã đề nghị «Bằng khen" in refused.value.message_dict["award"][0]
    titles(nominee, "giay-khen", YEAR, occasion="thematic")
    add_line(cast, dossier_of(cast, "annual"), nominee, code="giay-khen")  # the year's merit is still free
    with pytest.raises(ValidationError):
        add_line(cast, dossier_of(cast, "thematic"), nominee, code="giay-khen")


def test_the_eligibility_api_checks_the_occasion_asked(cast, api):
    nominee = NomineeFactory(unit=cast.unit)
    url = f"/api/v1/awards/{award('bk-tp').pk}/eligibility/{nominee.pk}/?year={YEAR}"
    annual = api(cast.officer).get(url).json()
    assert annual["occasion"] == "annual" and not all(rule["passed"] for rule in annual["rules"])
    sudden = api(cast.officer).get(url + "&occasion=sudden").json()
    assert sudden["occasion"] == "sudden" and all(rule["passed"] for rule in sudden["rules"])
    assert api(cast.officer).get(url + "&occasion=yearly").status_code == 400


def test_a_sudden_line_still_answers_to_the_hold_rule(cast):
    nominee = NomineeFactory(unit=cast.unit)
    discipline(cast, nominee, date(2023, 6, 1), None)
    errors = blocking_errors(nominee, award("bk-ttg"), YEAR, occasion="sudden")
    assert any("Kỷ luật" in message for message in errors)
    assert not any("liên tục" in message for message in errors)  # the chains do not apply


def test_thematic_and_sudden_awards_do_not_count_toward_merit_chains():
    chained, themed = NomineeFactory(), NomineeFactory()
    titles(chained, "cstdcs", YEAR - 1, YEAR)
    titles(themed, "cstdcs", YEAR, occasion="annual")
    titles(themed, "cstdcs", YEAR - 1, occasion="thematic")
    assert blocking_errors(chained, award("bk-tp"), YEAR) == []
    [message] = blocking_errors(themed, award("bk-tp"), YEAR)
    assert "1/2 năm liên tục Chiến sĩ thi đua cơ sở" in message
    # a sudden Chiến sĩ thi đua cơ sở is no title of the count either
    counted = NomineeFactory()
    titles(counted, "cstdcs", 2020, 2022, YEAR)
    sudden = NomineeFactory()
    titles(sudden, "cstdcs", 2020, 2022)
    titles(sudden, "cstdcs", YEAR, occasion="sudden")
    params = {"award": "cstdcs", "count": 3, "window_years": 5}
    assert check_rule(RuleKind.TITLE_COUNT, params, History(counted), YEAR)[0]
    passed, detail = check_rule(RuleKind.TITLE_COUNT, params, History(sudden), YEAR)
    assert not passed and "2/3 lần" in detail


def test_a_rule_may_name_the_occasions_it_holds(cast):
    nominee = NomineeFactory(unit=cast.unit)
    params = {"years": 2, "rating": "HTT", "occasions": ["annual", "sudden"]}
    assert not check_rule(RuleKind.RATING_STREAK, params, History(nominee), YEAR, occasion="sudden")[0]
    passed, detail = check_rule(RuleKind.RATING_STREAK, params, History(nominee), YEAR, occasion="thematic")
    assert passed and "chuyên đề" in detail


def test_a_sudden_line_needs_the_proof_of_the_sudden_achievement(cast, api):
    nominee = NomineeFactory(unit=cast.unit)
    annual = dossier_of(cast, "annual")
    add_line(cast, annual, NomineeFactory(unit=cast.unit, full_name="Lê Văn Đạt"), code="giay-khen")
    upload_everything(cast, annual)
    assert services.missing_documents(annual) == []
    dossier = dossier_of(cast, "sudden")
    line = add_line(cast, dossier, nominee)
    for kind in award("bk-tp").required_documents:  # the award's own documents only
        target = None if kind in services.DOSSIER_LEVEL_KINDS else line
        services.document_upload(dossier=dossier, line=target, kind=kind, upload=pdf(), user=cast.officer)
    proof = DocumentKind.SUDDEN_ACHIEVEMENT_PROOF.label
    assert services.missing_documents(dossier) == [f"{nominee.full_name}: thiếu {proof}."]
    response = api(cast.head).post(f"/api/v1/dossiers/{dossier.pk}/transitions/submit/")
    assert response.status_code == 400, response.content
    assert response.json()["errors"]["__all__"] == [f"{nominee.full_name}: thiếu {proof}."]
    dossier.refresh_from_db()
    assert dossier.state == "draft"
    services.document_upload(
        dossier=dossier,
        line=line,
        kind=DocumentKind.SUDDEN_ACHIEVEMENT_PROOF,
        upload=pdf(),
        user=cast.officer,
    )
    assert services.missing_documents(dossier) == []
    assert api(cast.head).post(f"/api/v1/dossiers/{dossier.pk}/transitions/submit/").status_code == 200


def test_the_decided_award_keeps_its_dossiers_occasion_and_makes_no_chain(cast):
    nominee = NomineeFactory(unit=cast.unit)
    titles(nominee, "cstdcs", YEAR - 1)
    dossier = dossier_of(cast, "sudden")
    line = add_line(cast, dossier, nominee, code="bk-tp")
    upload_everything(cast, dossier)
    engine.perform(dossier, "submit", user=cast.head)
    engine.perform(dossier, "accept", user=cast.board)
    engine.perform(line, "propose", user=cast.board, data={"comment": "Đủ tiêu chuẩn"})
    engine.perform(dossier, "sign_off", user=cast.board_head)
    engine.perform(dossier, "schedule", user=cast.board, data={"session": council_session(cast).pk})
    council_result(dossier.lines.get(), True)
    engine.perform(dossier, "post", user=cast.board, data={"working_days": 10})
    end_posting(dossier)
    engine.perform(
        dossier,
        "decide",
        user=cast.chairman,
        data={"decision_number": "9/QĐ-UBND", "decision_date": "2024-01-15", "approved": str(line.pk)},
    )
    assert dossier.lines.get().state == NomineeState.APPROVED
    record = AwardRecord.objects.get(dossier_nominee=line)
    assert record.occasion == "sudden"
    history = History(nominee)
    assert history.years_with("bk-tp") == {YEAR} and history.years_with("bk-tp", merit_only=True) == set()


def test_a_declared_title_chooses_its_occasion_service_and_api(cast, api):
    nominee = NomineeFactory(unit=cast.unit)
    fields = {
        "award": award("bk-tp"),
        "year": 2022,
        "authority": "Chủ tịch UBND thành phố",
        "decision_number": "77/QĐ-UBND",
        "decision_date": date(2022, 11, 3),
        "occasion": "sudden",
    }
    record = services.record_declare(nominee=nominee, kind="title", fields=fields, actor=Actor(cast.officer))
    assert record.occasion == "sudden"
    with pytest.raises(ValidationError) as refused:
        services.record_declare(
            nominee=nominee,
            kind="title",
            fields={**fields, "award": award("cstdcs"), "occasion": "thematic"},
            actor=Actor(cast.officer),
        )
    assert "không xét theo loại khen thưởng" in refused.value.message_dict["occasion"][0]
    url = f"/api/v1/nominees/{nominee.pk}/history/"
    body = {
        "kind": "title",
        "award": next(a.pk for a in awards_for(nominee) if a.code == "cstdcs"),
        "year": 2021,
        "authority": "Giám đốc Sở",
        "decision_number": "12/QĐ",
        "decision_date": "2021-12-30",
    }
    bad = api(cast.officer).post(url, {**body, "occasion": "thematic"}, format="json")
    assert bad.status_code == 400 and "không xét theo loại khen thưởng" in bad.json()["errors"]["occasion"][0]
    created = api(cast.officer).post(url, body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["occasion"] == "annual"  # the default: regular yearly merit


# -- discipline ---------------------------------------------------------------------------------------------
def test_after_discipline_achievements_count_only_from_its_end(cast):
    nominee = NomineeFactory(unit=cast.unit)
    titles(nominee, "cstdcs", 2021, 2022, YEAR)
    assert blocking_errors(nominee, award("bk-tp"), YEAR) == []
    discipline(cast, nominee, date(2022, 3, 1), date(2022, 8, 31))
    [message] = blocking_errors(nominee, award("bk-tp"), YEAR)
    assert "1/2 năm liên tục Chiến sĩ thi đua cơ sở" in message
    assert "từ 01/03/2022 đến 31/08/2022" in message and "chỉ tính thành tích từ năm 2023" in message
    # the next year the streak 2023–2024 stands again
    titles(nominee, "cstdcs", YEAR + 1)
    assert blocking_errors(nominee, award("bk-tp"), YEAR + 1) == []


def test_discipline_breaks_the_rating_streak_and_a_lifted_one_does_not(cast):
    nominee = NomineeFactory(unit=cast.unit)
    for year in range(2019, YEAR + 1):
        YearlyRatingFactory(nominee=nominee, year=year, rating="HTT")
    params = {"years": 5, "rating": "HTT"}
    assert check_rule(RuleKind.RATING_STREAK, params, History(nominee), YEAR)[0]
    hold = discipline(cast, nominee, date(2020, 5, 4), date(2021, 5, 3))
    passed, detail = check_rule(RuleKind.RATING_STREAK, params, History(nominee), YEAR)
    assert not passed and detail.startswith("2/5 năm liên tục") and "từ năm 2022" in detail
    services.hold_lift(hold=hold, note="Quyết định kỷ luật bị hủy", actor=Actor(cast.board))
    assert check_rule(RuleKind.RATING_STREAK, params, History(nominee), YEAR)[0]


def test_a_discipline_not_ended_counts_nothing_yet(cast):
    nominee = NomineeFactory(unit=cast.unit)
    titles(nominee, "cstdcs", 2022, YEAR)
    discipline(cast, nominee, date(2023, 2, 1), None)
    passed, detail = check_rule(
        RuleKind.CONSECUTIVE_TITLES, {"award": "cstdcs", "years": 2}, History(nominee), YEAR
    )
    assert not passed and "0/2" in detail and "chưa kết thúc" in detail


def test_the_eligibility_api_explains_the_discipline_with_its_dates(cast, api):
    nominee = NomineeFactory(unit=cast.unit)
    titles(nominee, "cstdcs", 2021, 2022, YEAR)
    discipline(cast, nominee, date(2022, 3, 1), date(2022, 8, 31))
    answer = api(cast.officer).get(
        f"/api/v1/awards/{award('bk-tp').pk}/eligibility/{nominee.pk}/?year={YEAR}"
    )
    assert answer.status_code == 200
    [chain] = [rule for rule in answer.json()["rules"] if not rule["passed"]]
    assert "31/08/2022" in chain["detail"] and "chỉ tính thành tích từ năm 2023" in chain["detail"]


# -- the sector's rating calendar (school year) ----------------------------------------------------------------
@pytest.fixture
def school(db):
    return UnitFactory(name="Trường THPT Châu Văn Liêm", rating_calendar=RatingCalendar.SCHOOL_YEAR)


def test_school_year_periods_read_2022_2023_and_count_consecutively(school):
    teacher = NomineeFactory(unit=school)
    titles(teacher, "cstdcs", YEAR - 1, YEAR, calendar="school_year")
    passed, detail = check_rule(
        RuleKind.CONSECUTIVE_TITLES, {"award": "cstdcs", "years": 2}, History(teacher), YEAR
    )
    assert passed and detail == "đạt 2/2 năm học liên tục Chiến sĩ thi đua cơ sở (2021–2022 đến 2022–2023)"
    YearlyRatingFactory(nominee=teacher, year=YEAR, rating="HT", calendar="school_year")
    [message] = blocking_errors(teacher, award("ldtt"), YEAR)
    assert "năm học 2022–2023 xếp loại HT" in message


def test_discipline_ends_in_the_school_year_it_falls_in(cast, school):
    """The same discipline, ended 15/10/2021: on the calendar year it cuts 2021, on the school year it cuts
    the school year 2021–2022 (which ran from 01/09/2021), so a teacher's streak restarts later."""
    clerk, teacher = NomineeFactory(unit=cast.unit), NomineeFactory(unit=school)
    titles(clerk, "cstdcs", YEAR - 1, YEAR)
    titles(teacher, "cstdcs", YEAR - 1, YEAR, calendar="school_year")
    for nominee in (clerk, teacher):
        discipline(cast, nominee, date(2021, 6, 1), date(2021, 10, 15))
    assert blocking_errors(clerk, award("bk-tp"), YEAR) == []
    [message] = blocking_errors(teacher, award("bk-tp"), YEAR)
    assert "1/2 năm học liên tục" in message and "chỉ tính thành tích từ năm học 2022–2023" in message
    assert message.count("Quyết định kỷ luật số 5/QĐ-KL") == 1  # said once for the rule's options


def test_education_ratings_and_awards_carry_the_school_year_service_and_api(cast, api, person, school):
    from workflows.models import Role

    officer = person("school.officer", Role.UNIT_OFFICER, unit=school)
    teacher = NomineeFactory(unit=school)
    rating = services.record_declare(
        nominee=teacher,
        kind="rating",
        fields={
            "year": YEAR,
            "rating": "HTXS",
            "decision_number": "8/QĐ-THPT",
            "decision_date": date(2023, 6, 1),
        },
        actor=Actor(officer),
    )
    assert rating.calendar == "school_year" and rating.period == "2022–2023"
    clerk_rating = services.record_declare(
        nominee=NomineeFactory(unit=cast.unit),
        kind="rating",
        fields={"year": YEAR, "rating": "HTT", "decision_number": "9/QĐ", "decision_date": date(2023, 12, 1)},
        actor=Actor(cast.officer),
    )
    assert clerk_rating.calendar == "calendar" and clerk_rating.period == "2023"
    listing = api(officer).get(f"/api/v1/nominees/{teacher.pk}/history/").json()
    assert listing["ratings"][0]["period"] == "2022–2023"
    services.record_confirm(record=rating, actor=Actor(cast.board))
    assert blocking_errors(teacher, award("ldtt"), YEAR) == []
    decided = services.award_record_create(
        line=_school_line(school, officer, teacher),
        decision_number="1/QĐ",
        decision_date=date(2023, 9, 20),
        authority="Giám đốc Sở GD&ĐT",
    )
    assert decided.calendar == "school_year" and str(decided).endswith("2022–2023")


def _school_line(school, officer, teacher):
    dossier = services.dossier_create(
        unit=school, year=YEAR, occasion="annual", title="Năm học 2022–2023", user=officer
    )
    return services.line_add(
        dossier=dossier, nominee=teacher, award=award("ldtt"), achievement_report=REPORT, user=officer
    )


def test_the_nominee_page_shows_the_school_year(cast, client, person, school):
    from workflows.models import Role

    officer = person("school.officer", Role.UNIT_OFFICER, unit=school)
    teacher = NomineeFactory(unit=school)
    YearlyRatingFactory(nominee=teacher, year=YEAR, rating="HTT", calendar="school_year")
    AwardRecordFactory(
        nominee=teacher,
        award=award("cstdcs"),
        year=YEAR,
        calendar="school_year",
        status=RecordStatus.CONFIRMED,
    )
    client.force_login(officer)
    page = client.get(reverse("dossiers:nominee", args=[teacher.pk])).content.decode()
    assert page.count("2022–2023") >= 2


# -- the Excel import of a nominee's history chooses the occasion and records the central recognition -----
def _xlsx(rows):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    from dossiers import history_import

    book = Workbook()
    book.active.append([str(heading) for _k, heading, _t in history_import.COLUMNS])
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("qua-trinh.xlsx", buffer.getvalue())


def test_the_history_import_reads_the_occasion_and_the_central_recognition(cast):
    from dossiers import history_import

    nominee = NomineeFactory(unit=cast.unit)
    title = ["Danh hiệu, hình thức", 2022, "bk-tp", "", "Chủ tịch UBND thành phố", "5/QĐ", "20/11/2022"]
    national = ["Sáng kiến, đề tài", 2023, "Bệnh án điện tử", "Nhà nước", "Bộ Y tế", "6/QĐ", "01/06/2023"]
    rows = history_import.read_rows(_xlsx([[*title, "Bất thường"], national]), nominee)
    with pytest.raises(services.HistoryImportRefused) as refused:
        services.history_import(nominee=nominee, rows=rows, actor=Actor(cast.officer))
    messages = " ".join(refused.value.messages)
    assert "Dòng 2: Loại khen thưởng «Bất thường» không hợp lệ" in messages
    assert "Dòng 3: Phạm vi toàn quốc cần văn bản công nhận" in messages
    assert not AwardRecord.objects.filter(nominee=nominee).exists()
    rows = history_import.read_rows(
        _xlsx([[*title, "Đột xuất"], [*national, "", "6/QĐ-BYT", "01/06/2023"]]), nominee
    )
    created = services.history_import(nominee=nominee, rows=rows, actor=Actor(cast.officer))
    assert [getattr(record, "occasion", None) for record in created] == ["sudden", None]
    assert created[1].central_document_number == "6/QĐ-BYT"


# -- a unit's own year-end round writes its register on the unit's calendar -------------------------------
def test_a_school_year_units_round_writes_school_year_records(cast, unit_council):  # noqa: F811
    from dossiers import unit_round as rounds

    from .test_unit_round import a_session, new_round, person_row, vote_and_issue, workbook

    cast.unit.rating_calendar = RatingCalendar.SCHOOL_YEAR
    cast.unit.save()
    unit_round = new_round(cast)
    rows = rounds.read_rows(workbook([person_row(n) for n in (1, 2)]))
    rounds.round_import(unit_round=unit_round, rows=rows, actor=Actor(user=cast.officer))
    session = a_session(unit_council, Actor(user=unit_council.secretary))
    rounds.round_submit(unit_round=unit_round, session=session, actor=Actor(user=cast.officer))
    vote_and_issue(session, unit_council)
    rounds.round_decide(
        unit_round=unit_round,
        decision_number="9/QĐ-THPT",
        decision_date=session.planned_on,
        not_awarded=[],
        actor=Actor(user=cast.head),
    )
    records = AwardRecord.objects.filter(decision_number="9/QĐ-THPT")
    assert records.count() == 2 and set(records.values_list("calendar", flat=True)) == {"school_year"}
    ratings = YearlyRating.objects.filter(decision_number="9/QĐ-THPT")
    assert ratings.count() == 2 and {r.period for r in ratings} == {
        f"{unit_round.year - 1}–{unit_round.year}"
    }
