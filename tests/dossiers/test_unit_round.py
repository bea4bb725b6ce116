"""A unit's own year-end round (issue 16, "Routing by level"): the awards the unit decides are imported as one list,
checked in one pass, voted on by the unit's own council and decided by the unit head in one decision whose annex
lists every awardee; the register and the persons' ratings come from that decision. City awards never take this
path and unit awards never reach the Board. Quotas are data and a breach blocks the submission."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from councils import services as council_services
from councils.models import Session
from dossiers import unit_round as rounds
from dossiers.models import (
    AwardQuota,
    AwardRecord,
    AwardType,
    Nominee,
    RoundLineState,
    RoundState,
    UnitRoundLine,
    YearlyRating,
)
from organisations.models import CouncilKind
from tests.factories import AwardRecordFactory, CouncilFactory, CouncilTermFactory, NomineeFactory
from workflows import engine
from workflows.audit import Actor
from workflows.models import AuditEvent, Role

pytestmark = pytest.mark.django_db

YEAR = 2025
HEADINGS = [
    "Họ và tên",
    "Số CCCD",
    "Ngày sinh",
    "Chức vụ",
    "Danh hiệu, hình thức",
    "Xếp loại",
    "Tóm tắt thành tích",
]


def award(code):
    """The version of `code` that judges achievements of YEAR."""
    return AwardType.objects.effective_on(date(YEAR, 12, 31)).get(code=code)


def cccd(n: int) -> str:
    return f"092{n:09d}"


def person_row(n: int, award="LĐTT", rating="HTT"):
    return [
        f"Nguyễn Văn Thứ {n}",
        cccd(n),
        f"{1 + n % 28:02d}/{1 + n % 12:02d}/{1970 + n % 30}",
        "Chuyên viên",
        award,
        rating,
        f"Hoàn thành tốt nhiệm vụ năm {YEAR} (người số {n}).",
    ]


def workbook(rows) -> SimpleUploadedFile:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADINGS)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(
        "danh-sach.xlsx",
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def year_end_rows(count=300, fighters=30):
    """`count` people with LĐTT (HTT), the first `fighters` of them also CSTĐCS (HTXS)."""
    rows = [person_row(n, rating="HTXS" if n <= fighters else "HTT") for n in range(1, count + 1)]
    rows += [person_row(n, award="CSTĐCS", rating="HTXS") for n in range(1, fighters + 1)]
    return rows


@pytest.fixture
def unit_council(cast, person):
    """The unit's own emulation council (kind «unit»): a chair, a secretary and five members."""
    council = CouncilFactory(kind=CouncilKind.UNIT, unit=cast.unit, name="Hội đồng TĐKT Quận Ninh Kiều")
    term = CouncilTermFactory(council=council, starts_on=date(2024, 1, 1))
    chair = person("unit.council.chair", Role.COUNCIL_CHAIR, council_term=term)
    secretary = person("unit.council.secretary", Role.COUNCIL_SECRETARY, council_term=term)
    members = [person(f"unit.council.m{i}", Role.COUNCIL_MEMBER, council_term=term) for i in range(5)]
    return type(
        "UnitCouncil", (), {"term": term, "chair": chair, "secretary": secretary, "voters": [chair, *members]}
    )


def a_session(unit_council, actor):
    planned = timezone.localdate() + timedelta(days=3)
    session = council_services.session_create(
        council_term=unit_council.term, title=f"Họp bình xét năm {YEAR}", planned_on=planned, actor=actor
    )
    engine.perform(session, "convene", user=unit_council.secretary, data={"planned_on": planned.isoformat()})
    session.refresh_from_db()
    return session


def new_round(cast):
    return rounds.round_create(
        unit=cast.unit, year=YEAR, title=f"Bình xét thi đua năm {YEAR}", actor=Actor(user=cast.officer)
    )


def vote_and_issue(session, unit_council, *, against=()):
    """Lock the agenda, everyone present, one ballot sheet each (all agree except the items in `against`, on
    which every voter disagrees), close, minutes, issue."""
    engine.perform(session, "lock_agenda", user=unit_council.secretary)
    council_services.attendance_roster_record(
        session=session,
        statuses={member.pk: "present" for member in unit_council.voters},
        actor=unit_council.secretary,
    )
    engine.perform(session, "open", user=unit_council.chair)
    engine.perform(session, "open_voting", user=unit_council.secretary, data={"voting_mode": "all_items"})
    session.refresh_from_db()
    items = list(session.items.values_list("pk", "subject_id"))
    for member in unit_council.voters:
        choices = {pk: ("disagree" if int(subject) in against else "agree") for pk, subject in items}
        council_services.ballot_sheet_cast(session=session, choices=choices, actor=member)
    council_services.session_close_voting(session=session, user=unit_council.secretary)
    engine.perform(
        session, "draft_minutes", user=unit_council.secretary, data={"minutes_number": "01/BB-HĐTĐKT"}
    )
    engine.perform(session, "sign_minutes", user=unit_council.chair)
    session.refresh_from_db()
    engine.perform(
        session,
        "issue_resolution",
        user=unit_council.chair,
        data={"resolution_number": "01/NQ-HĐTĐKT", "resolution_issued_on": session.planned_on.isoformat()},
    )


# -- the whole round, 300 people ------------------------------------------------------------------------------
def test_a_300_nominee_round_runs_from_the_excel_file_to_the_register(cast, unit_council):
    unit_round = new_round(cast)
    rows = rounds.read_rows(workbook(year_end_rows()))
    assert len(rows) == 330
    lines = rounds.round_import(unit_round=unit_round, rows=rows, actor=Actor(user=cast.officer))
    assert len(lines) == 330 and Nominee.objects.filter(unit=cast.unit).count() == 300
    assert AuditEvent.objects.filter(verb="round_line_added").count() == 330
    assert rounds.round_eligibility(unit_round) == {}

    session = a_session(unit_council, Actor(user=unit_council.secretary))
    rounds.round_submit(unit_round=unit_round, session=session, actor=Actor(user=cast.officer))
    unit_round.refresh_from_db()
    assert unit_round.state == RoundState.ON_AGENDA and unit_round.session_id == session.pk
    assert session.items.count() == 330
    assert (
        not UnitRoundLine.objects.filter(unit_round=unit_round)
        .exclude(state=RoundLineState.ON_AGENDA)
        .exists()
    )

    refused_by_council = {lines[100].pk}  # person 101: LĐTT only
    vote_and_issue(session, unit_council, against=refused_by_council)
    unit_round.refresh_from_db()
    assert unit_round.state == RoundState.VOTED
    assert UnitRoundLine.objects.get(pk=lines[100].pk).state == RoundLineState.FAILED
    passed = UnitRoundLine.objects.filter(unit_round=unit_round, state=RoundLineState.PASSED)
    assert passed.count() == 329
    assert passed.first().council_explanation

    not_awarded = lines[101].pk  # person 102: LĐTT only
    rounds.round_decide(
        unit_round=unit_round,
        decision_number="125/QĐ-UBND",
        decision_date=session.planned_on,
        not_awarded=[not_awarded],
        actor=Actor(user=cast.head),
    )
    unit_round.refresh_from_db()
    assert unit_round.state == RoundState.DECIDED and unit_round.decision_number == "125/QĐ-UBND"
    awarded = UnitRoundLine.objects.filter(unit_round=unit_round, state=RoundLineState.AWARDED)
    assert awarded.count() == 328
    assert UnitRoundLine.objects.get(pk=not_awarded).state == RoundLineState.NOT_AWARDED
    records = AwardRecord.objects.filter(decision_number="125/QĐ-UBND", year=YEAR)
    assert records.count() == 328 and not awarded.filter(award_record__isnull=True).exists()
    assert records.filter(award__code="cstdcs").count() == 30
    assert YearlyRating.objects.filter(year=YEAR, decision_number="125/QĐ-UBND").count() == 298
    assert AuditEvent.objects.filter(verb="grant_award").count() == 328


# -- the import: rows, identity, eligibility ----------------------------------------------------------------------
def test_every_bad_row_is_named_and_nothing_is_written(cast):
    unit_round = new_round(cast)
    AwardRecordFactory(nominee=NomineeFactory(unit=cast.unit, cccd=cccd(9)), award=award("ldtt"), year=YEAR)
    NomineeFactory(unit=cast.other_unit, cccd=cccd(8), full_name="Trần Thị Khác")
    rows = [
        person_row(1),
        ["", cccd(2), "01/01/1980", "Chuyên viên", "LĐTT", "HTT", "x"],
        person_row(3)[:1] + ["12345"] + person_row(3)[2:],
        person_row(4, award="Bằng khen của Chủ tịch UBND thành phố"),
        person_row(5, rating="HT"),
        person_row(1),
        ["Nguyễn Văn Thứ 8", cccd(8), "01/01/1980", "Chuyên viên", "LĐTT", "HTT", "x"],
        person_row(6, award="CSTĐCS", rating="HTT"),
        ["Nguyễn Văn Thứ 9", cccd(9), "01/01/1980", "Chuyên viên", "LĐTT", "HTT", "x"],
        person_row(10)[:2] + ["31/02/1980"] + person_row(10)[3:],
    ]
    with pytest.raises(rounds.RoundImportRefused) as refused:
        rounds.round_import(
            unit_round=unit_round, rows=rounds.read_rows(workbook(rows)), actor=Actor(user=cast.officer)
        )
    text = "\n".join(refused.value.messages)
    assert "Dòng 2" not in text  # the first row is good
    assert "Dòng 3: Thiếu họ và tên." in text
    assert "Dòng 4: Số CCCD gồm đúng 12 chữ số" in text
    assert (
        "Dòng 5: «Bằng khen của Chủ tịch UBND thành phố» không phải danh hiệu, hình thức do đơn vị quyết định"
        in text
    )
    assert "Dòng 6: Chưa đủ điều kiện «Lao động tiên tiến»" in text and "xếp loại HT" in text
    assert "Dòng 7: Trùng với dòng 2" in text
    assert "Dòng 8: Số CCCD 092000000008 là của Trần Thị Khác thuộc Sở Y tế" in text
    assert "Dòng 9: Chưa đủ điều kiện «Chiến sĩ thi đua cơ sở»" in text
    assert "Dòng 10:" in text and "đã được «Lao động tiên tiến» năm 2025" in text
    assert "Dòng 11: Ngày sinh «31/02/1980» không hợp lệ" in text
    assert not unit_round.lines.exists() and not Nominee.objects.filter(cccd=cccd(1)).exists()


def test_a_collective_row_on_the_persons_sheet_is_sent_to_the_collectives_sheet(cast):
    """A row of the persons' sheet naming a collective's title (Tập thể lao động tiên tiến, no CCCD, no date of
    birth) is refused with the one message saying where it goes (the «Tập thể» sheet, with the member figures the
    award's rules read), by the award's code, short name or full name; nothing is written. Collectives themselves
    are imported from that sheet (tests/dossiers/test_unit_round_collectives.py)."""
    unit_round = new_round(cast)
    collective = ["Phòng Tài chính – Kế hoạch", "", "", "", "TTLĐTT", "", "Hoàn thành xuất sắc nhiệm vụ."]
    rows = [person_row(1), collective, collective[:4] + ["Tập thể lao động tiên tiến"] + collective[5:]]
    with pytest.raises(rounds.RoundImportRefused) as refused:
        rounds.round_import(
            unit_round=unit_round, rows=rounds.read_rows(workbook(rows)), actor=Actor(user=cast.officer)
        )
    message = (
        "«Tập thể lao động tiên tiến» là danh hiệu cho tập thể: ghi dòng này ở trang «Tập thể» của tệp (tập thể, "
        "danh hiệu, tóm tắt thành tích và số liệu thành viên: tổng số thành viên, số đạt Lao động tiên tiến, số bị "
        "kỷ luật từ khiển trách trở lên), không ở danh sách cá nhân."
    )
    assert refused.value.rows == [(3, message), (4, message)]  # not also "Thiếu số CCCD", "Thiếu ngày sinh"
    assert not unit_round.lines.exists() and not Nominee.objects.filter(cccd=cccd(1)).exists()


def test_a_known_person_is_found_by_cccd_and_their_history_counts(cast):
    known = NomineeFactory(unit=cast.unit, cccd=cccd(1), full_name="Nguyễn Văn Thứ 1", kind="individual")
    YearlyRating.objects.create(nominee=known, year=YEAR, rating="HTXS", status="confirmed")
    unit_round = new_round(cast)
    [line] = rounds.round_import(
        unit_round=unit_round,
        rows=rounds.read_rows(workbook([person_row(1, award="cstdcs", rating="")])),
        actor=Actor(user=cast.officer),
    )
    assert line.nominee_id == known.pk and Nominee.objects.filter(cccd=cccd(1)).count() == 1


def test_the_batch_history_is_the_one_eligibility_reads(cast):
    """dossiers.unit_round.histories_for builds, in bulk, the very History that eligibility builds for one."""
    from dossiers.eligibility import History
    from tests.factories import InitiativeRecognitionFactory

    nominee = NomineeFactory(unit=cast.unit, kind="individual")
    AwardRecordFactory(nominee=nominee, award=award("cstdcs"), year=YEAR - 1)
    YearlyRating.objects.create(nominee=nominee, year=YEAR - 1, rating="HTXS", status="confirmed")
    InitiativeRecognitionFactory(nominee=nominee, scope="grassroots", year=YEAR - 1)
    batch = rounds.histories_for([nominee])[nominee.pk]
    one = History(nominee)
    one.disciplines()  # loads the disciplines the batch loads up front
    assert {k: v for k, v in vars(batch).items()} == {k: v for k, v in vars(one).items()}


def test_only_the_units_own_people_prepare_its_round(cast):
    with pytest.raises(engine.ActionForbidden):
        rounds.round_create(unit=cast.unit, year=YEAR, title="Bình xét", actor=Actor(user=cast.officer2))
    unit_round = new_round(cast)
    with pytest.raises(engine.ActionForbidden):
        rounds.round_import(
            unit_round=unit_round,
            rows=rounds.read_rows(workbook([person_row(1)])),
            actor=Actor(user=cast.board),
        )


# -- routing by level ----------------------------------------------------------------------------------------------
def test_the_round_goes_only_to_the_units_own_council(cast, unit_council, person):
    unit_round = new_round(cast)
    rounds.round_import(
        unit_round=unit_round,
        rows=rounds.read_rows(workbook([person_row(1)])),
        actor=Actor(user=cast.officer),
    )
    city_term = CouncilTermFactory(council__kind=CouncilKind.EMULATION)
    city_session = council_services.session_create(
        council_term=city_term,
        title="Phiên họp HĐTĐKT thành phố",
        planned_on=timezone.localdate() + timedelta(days=5),
        actor=Actor(user=cast.board),
    )
    with pytest.raises(ValidationError) as refused:
        rounds.round_submit(unit_round=unit_round, session=city_session, actor=Actor(user=cast.officer))
    assert "Phiên họp này không nhận thêm mục" in str(refused.value)
    other = CouncilFactory(kind=CouncilKind.UNIT, unit=cast.other_unit)
    other_term = CouncilTermFactory(council=other, starts_on=date(2024, 1, 1))
    other_session = council_services.session_create(
        council_term=other_term,
        title="Họp HĐTĐKT Sở Y tế",
        planned_on=timezone.localdate() + timedelta(days=5),
        actor=Actor(user=cast.board),
    )
    with pytest.raises(ValidationError) as refused:
        rounds.round_submit(unit_round=unit_round, session=other_session, actor=Actor(user=cast.officer))
    assert "không phải hội đồng thi đua – khen thưởng của Quận Ninh Kiều" in str(refused.value)
    unit_round.refresh_from_db()
    assert (
        unit_round.state == RoundState.DRAFT and not Session.objects.get(pk=other_session.pk).items.exists()
    )


def test_a_city_award_is_refused_on_the_unit_path(cast, unit_council):
    unit_round = new_round(cast)
    rounds.round_import(
        unit_round=unit_round,
        rows=rounds.read_rows(workbook([person_row(1)])),
        actor=Actor(user=cast.officer),
    )
    line = unit_round.lines.get()
    UnitRoundLine.objects.filter(pk=line.pk).update(award=award("bk-tp"))
    session = a_session(unit_council, Actor(user=unit_council.secretary))
    with pytest.raises(engine.TransitionNotAllowed) as refused:
        rounds.round_submit(unit_round=unit_round, session=session, actor=Actor(user=cast.officer))
    assert "Dòng 1: «Bằng khen của Chủ tịch UBND thành phố» không do đơn vị quyết định" in str(refused.value)
    assert not session.items.exists()
    # and the council's own terms refuse it too, whoever puts it there
    with pytest.raises(ValidationError) as refused:
        council_services.agenda_subjects_add(
            session=session, subjects=[line], actor=Actor(user=unit_council.secretary)
        )
    assert "không do đơn vị quyết định" in str(refused.value)


def test_a_unit_award_never_reaches_the_board(cast):
    from dossiers import services
    from tests.dossiers.helpers import pdf

    dossier = services.dossier_create(
        unit=cast.unit, year=YEAR, occasion="annual", title="Đề nghị", user=cast.officer
    )
    nominee = NomineeFactory(unit=cast.unit)
    YearlyRating.objects.create(nominee=nominee, year=YEAR, rating="HTT", status="confirmed")
    line = services.line_add(
        dossier=dossier, nominee=nominee, award=award("ldtt"), achievement_report="x", user=cast.officer
    )
    for kind in line.award.required_documents:
        services.document_upload(
            dossier=dossier,
            line=None if kind in services.DOSSIER_LEVEL_KINDS else line,
            kind=kind,
            upload=pdf(f"{kind}.pdf"),
            user=cast.officer,
        )
    with pytest.raises(engine.TransitionNotAllowed) as refused:
        engine.perform(dossier, "submit", user=cast.head)
    assert "«Lao động tiên tiến» do thủ trưởng đơn vị tự quyết định" in str(refused.value)
    dossier.refresh_from_db()
    assert dossier.state == "draft"


# -- quotas ------------------------------------------------------------------------------------------------------
def test_a_quota_breach_blocks_the_submission_with_the_computation(cast, unit_council):
    quota = AwardQuota.objects.get(award=award("cstdcs"))
    assert quota.is_active is False  # off by default where the current law sets none
    unit_round = new_round(cast)
    rows = [person_row(n) for n in range(1, 21)] + [
        person_row(n, award="CSTĐCS", rating="HTXS") for n in range(1, 5)
    ]
    rows[:4] = [person_row(n, rating="HTXS") for n in range(1, 5)]
    rounds.round_import(
        unit_round=unit_round, rows=rounds.read_rows(workbook(rows)), actor=Actor(user=cast.officer)
    )
    session = a_session(unit_council, Actor(user=unit_council.secretary))
    AwardQuota.objects.filter(pk=quota.pk).update(is_active=True)
    with pytest.raises(engine.TransitionNotAllowed) as refused:
        rounds.round_submit(unit_round=unit_round, session=session, actor=Actor(user=cast.officer))
    assert "Chiến sĩ thi đua cơ sở: 4/20 = 20 % > 15 %" in str(refused.value)
    unit_round.refresh_from_db()
    assert unit_round.state == RoundState.DRAFT and not session.items.exists()
    AwardQuota.objects.filter(pk=quota.pk).update(max_percent=20)
    rounds.round_submit(unit_round=unit_round, session=session, actor=Actor(user=cast.officer))
    unit_round.refresh_from_db()
    assert unit_round.state == RoundState.ON_AGENDA


def test_the_government_flag_quota_counts_the_cluster_leaders(cast):
    from dossiers.models import Dossier

    flag, leaders = award("co-thi-dua-cp"), award("co-thi-dua-tp")
    quota = AwardQuota.objects.get(award=flag)
    assert quota.is_active and quota.max_percent == 20
    dossier = Dossier.objects.create(unit=cast.unit, year=YEAR, title="Đề nghị Cờ", created_by=cast.officer)
    for _n in range(5):
        AwardRecordFactory(
            nominee=NomineeFactory(unit=cast.unit, kind="collective"), award=leaders, year=YEAR
        )
    collectives = [NomineeFactory(unit=cast.unit, kind="collective") for _n in range(2)]
    from dossiers.models import DossierNominee

    DossierNominee.objects.create(dossier=dossier, nominee=collectives[0], award=flag, achievement_report="x")
    assert rounds.dossier_quota_refusals(dossier) == []
    DossierNominee.objects.create(dossier=dossier, nominee=collectives[1], award=flag, achievement_report="x")
    [message] = rounds.dossier_quota_refusals(dossier)
    assert "Cờ thi đua của Chính phủ: 2/5 = 40 % > 20 %" in message
    # the dossier's submission is refused with it (409), as the button and the API's transitions say
    from dossiers.lifecycle import DossierLifecycle

    verdict = engine.check(DossierLifecycle(dossier), "submit", cast.head)
    assert not verdict.allowed and verdict.status == 409 and "2/5 = 40 % > 20 %" in verdict.reason


def test_the_api_refuses_a_city_dossier_over_the_government_flag_quota_with_the_computation(cast, api):
    """Through the API: the unit head's submission of a dossier proposing 2 Cờ thi đua của Chính phủ with 5
    cluster and block leaders recorded is a 409 problem naming the computation; the dossier stays a draft."""
    from dossiers.models import Dossier, DossierNominee, DossierState

    dossier = Dossier.objects.create(unit=cast.unit, year=YEAR, title="Đề nghị Cờ", created_by=cast.officer)
    for _n in range(5):
        AwardRecordFactory(
            nominee=NomineeFactory(unit=cast.unit, kind="collective"), award=award("co-thi-dua-tp"), year=YEAR
        )
    for _n in range(2):
        DossierNominee.objects.create(
            dossier=dossier,
            nominee=NomineeFactory(unit=cast.unit, kind="collective"),
            award=award("co-thi-dua-cp"),
            achievement_report="Dẫn đầu khối thi đua",
        )
    answer = api(cast.head).post(f"/api/dossiers/{dossier.pk}/transitions/submit/", {}, format="json")
    assert answer.status_code == 409, answer.content
    assert answer["Content-Type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["status"] == 409
    assert "Cờ thi đua của Chính phủ: 2/5 = 40 % > 20 %" in problem["detail"]
    dossier.refresh_from_db()
    assert dossier.state == DossierState.DRAFT and dossier.submission_count == 0
    # within the quota (1/5 = 20 %) the quota no longer refuses it
    dossier.lines.order_by("pk").last().delete()
    assert rounds.dossier_quota_refusals(dossier) == []


# -- API and web ---------------------------------------------------------------------------------------------------
def test_the_api_imports_submits_and_decides(cast, unit_council, api):
    client = api(cast.officer)
    created = client.post(
        "/api/v1/unit-rounds/",
        {"unit": cast.unit.pk, "year": YEAR, "title": "Bình xét năm 2025"},
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    bad = client.post(
        f"/api/v1/unit-rounds/{pk}/import/", {"file": workbook([person_row(1), person_row(2, rating="HT")])}
    )
    assert bad.status_code == 400 and bad["Content-Type"].startswith("application/problem+json")
    assert bad.json()["rows"][0].startswith("Dòng 3: Chưa đủ điều kiện «Lao động tiên tiến»")
    good = client.post(
        f"/api/v1/unit-rounds/{pk}/import/", {"file": workbook([person_row(n) for n in range(1, 6)])}
    )
    assert good.status_code == 201 and good.json() == {"created": 5}
    lines = client.get(f"/api/v1/unit-rounds/{pk}/lines/").json()
    assert lines["count"] == 5 and lines["results"][0]["eligibility"] == []
    assert api(cast.officer2).get(f"/api/v1/unit-rounds/{pk}/").status_code == 404
    session = a_session(unit_council, Actor(user=unit_council.secretary))
    AwardQuota.objects.filter(award=award("cstdcs")).update(is_active=True)
    submitted = client.post(
        f"/api/v1/unit-rounds/{pk}/transitions/submit/", {"session": session.pk}, format="json"
    )
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["state"] == "on_agenda"
    vote_and_issue(session, unit_council)
    early = api(cast.head).post(
        f"/api/v1/unit-rounds/{pk}/transitions/decide/",
        {"decision_number": "7/QĐ", "decision_date": "01/01/2020", "not_awarded": []},
        format="json",
    )
    assert early.status_code == 400 and "decision_date" in early.json()["errors"]
    refused = client.post(
        f"/api/v1/unit-rounds/{pk}/transitions/decide/",
        {"decision_number": "7/QĐ", "decision_date": session.planned_on.strftime("%d/%m/%Y")},
        format="json",
    )
    assert refused.status_code == 403  # the officer prepares; the head decides
    decided = api(cast.head).post(
        f"/api/v1/unit-rounds/{pk}/transitions/decide/",
        {
            "decision_number": "7/QĐ",
            "decision_date": session.planned_on.strftime("%d/%m/%Y"),
            "not_awarded": [],
        },
        format="json",
    )
    assert decided.status_code == 200 and decided.json()["state"] == "decided"
    assert AwardRecord.objects.filter(decision_number="7/QĐ").count() == 5


def test_the_api_shows_a_quota_breach_as_409_with_the_computation(cast, unit_council, api):
    unit_round = new_round(cast)
    rows = [person_row(n, rating="HTXS") for n in range(1, 11)] + [
        person_row(n, award="CSTĐCS", rating="HTXS") for n in range(1, 3)
    ]
    rounds.round_import(
        unit_round=unit_round, rows=rounds.read_rows(workbook(rows)), actor=Actor(user=cast.officer)
    )
    AwardQuota.objects.filter(award=award("cstdcs")).update(is_active=True)
    session = a_session(unit_council, Actor(user=unit_council.secretary))
    answer = api(cast.officer).post(
        f"/api/v1/unit-rounds/{unit_round.pk}/transitions/submit/", {"session": session.pk}, format="json"
    )
    assert answer.status_code == 409
    assert "Chiến sĩ thi đua cơ sở: 2/10 = 20 % > 15 %" in answer.json()["detail"]


def test_the_web_pages_import_keep_the_errors_and_decide(cast, unit_council, client):
    client.force_login(cast.officer)
    opened = client.post(
        "/ho-so/dot-binh-xet/",
        {"unit": str(cast.unit.pk), "year": str(YEAR), "title": "Bình xét năm 2025"},
    )
    assert opened.status_code == 302
    unit_round = cast.unit.award_rounds.get()
    page = client.get(unit_round.get_absolute_url())
    assert page.status_code == 200 and "Nhập danh sách từ tệp Excel" in page.content.decode()
    client.force_login(cast.board)  # the Board reads a unit's round, and has nothing to do on it
    read_only = client.get(unit_round.get_absolute_url())
    assert read_only.status_code == 200 and "Nhập danh sách từ tệp Excel" not in read_only.content.decode()
    client.force_login(cast.officer2)
    assert client.get(unit_round.get_absolute_url()).status_code == 404
    client.force_login(cast.officer)
    bad = client.post(
        unit_round.get_absolute_url(),
        {
            "action": "import",
            "file": workbook([person_row(1), person_row(2)[:4] + ["XYZ"] + person_row(2)[5:]]),
        },
    )
    text = bad.content.decode()
    assert bad.status_code == 400 and "Tệp có 1 lỗi; chưa dòng nào được nhập." in text
    assert "Dòng 3: «XYZ» không phải danh hiệu, hình thức do đơn vị quyết định" in text
    client.post(unit_round.get_absolute_url(), {"action": "import", "file": workbook([person_row(1)])})
    assert unit_round.lines.count() == 1
    empty = client.post(unit_round.get_absolute_url(), {"action": "submit", "session": ""})
    assert empty.status_code == 400 and "Chọn phiên họp của hội đồng đơn vị" in empty.content.decode()
    session = a_session(unit_council, Actor(user=unit_council.secretary))
    assert (
        client.post(
            unit_round.get_absolute_url(), {"action": "submit", "session": str(session.pk)}
        ).status_code
        == 302
    )
    vote_and_issue(session, unit_council)
    client.force_login(cast.head)
    wrong = client.post(
        unit_round.get_absolute_url(),
        {"action": "decide", "decision_number": "9/QĐ", "decision_date": "31/02/2025"},
    )
    assert wrong.status_code == 400 and 'value="9/QĐ"' in wrong.content.decode()
    assert "Nhập ngày theo dạng ngày/tháng/năm" in wrong.content.decode()
    day = session.planned_on.strftime("%d/%m/%Y")
    assert (
        client.post(
            unit_round.get_absolute_url(),
            {"action": "decide", "decision_number": "9/QĐ", "decision_date": day},
        ).status_code
        == 302
    )
    unit_round.refresh_from_db()
    assert unit_round.state == RoundState.DECIDED
    pdf = client.get(f"/ho-so/dot-binh-xet/{unit_round.pk}/quyet-dinh.pdf")
    assert (
        pdf.status_code == 200
        and pdf["Content-Type"] == "application/pdf"
        and pdf.content.startswith(b"%PDF")
    )
    template = client.get(f"/ho-so/dot-binh-xet/{unit_round.pk}/mau-danh-sach.xlsx")
    assert (
        template.status_code == 200
        and rounds.read_rows(
            SimpleUploadedFile("m.xlsx", template.content, content_type=template["Content-Type"])
        )
        == []
    )


def test_quotas_are_data_per_award_version_and_travel_with_a_copied_version(cast):
    """CSTĐCS ≤ 15 % of LĐTT was the NĐ 91/2017 rule: on for the version of achievements up to 2023, off for the
    later ones; a version the Board copies keeps its awards' quotas."""
    from dossiers.models import RuleVersion
    from dossiers.rule_versions import version_copy

    old = AwardType.objects.effective_on(date(2023, 12, 31)).get(code="cstdcs")
    assert AwardQuota.objects.get(award=old).is_active
    assert not AwardQuota.objects.get(award=award("cstdcs")).is_active
    source = award("cstdcs").rule_version
    copy = version_copy(source=source, code="ban-sao-quota", name="Bản sao", user=cast.board_head)
    copied = AwardQuota.objects.get(award__rule_version=copy, award__code="cstdcs")
    assert copied.max_percent == 15 and copied.base_award_code == "ldtt" and not copied.is_active
    assert AwardQuota.objects.filter(
        award__rule_version=copy, award__code="co-thi-dua-cp", is_active=True
    ).exists()
    assert RuleVersion.objects.filter(pk=copy.pk).exists()
