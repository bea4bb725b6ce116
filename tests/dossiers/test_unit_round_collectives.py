"""Collectives in a unit's own year-end round (issue 16, "Routing by level"): Tập thể lao động tiên tiến and a
collective's Giấy khen are proposed on the «Tập thể» sheet of the round's file, identified by unit (the round's
unit itself or one of its sub-units in the round's year), checked by the same collective_ratio rules as on a city
dossier's line, voted on with the persons by the unit's own council and decided in the unit head's one decision,
whose annex lists persons and collectives apart; the register gets the collective's record."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dossiers import unit_round as rounds
from dossiers.models import AwardRecord, Nominee, NomineeHold, RoundLineState, RoundState, UnitRoundLine
from organisations.models import UnitParentPeriod, UnitSuccession
from tests.dossiers import test_unit_round
from tests.dossiers.test_unit_round import (
    HEADINGS,
    YEAR,
    a_session,
    award,
    new_round,
    person_row,
    vote_and_issue,
)
from tests.factories import AwardRecordFactory, NomineeFactory, UnitFactory
from workflows.audit import Actor
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db

#: the unit's own council (a chair, a secretary, five members), the fixture of the persons' round tests
unit_council = test_unit_round.unit_council

TEAM_HEADINGS = [
    "Tập thể",
    "Danh hiệu, hình thức",
    "Tóm tắt thành tích",
    "Tổng số thành viên",
    "Số đạt Lao động tiên tiến",
    "Số bị kỷ luật từ khiển trách trở lên",
]


def team_row(name, award="TTLĐTT", total=20, advanced=15, disciplined=0):
    return [name, award, f"Hoàn thành xuất sắc nhiệm vụ năm {YEAR} ({name}).", total, advanced, disciplined]


def round_file(persons, teams, team_headings=TEAM_HEADINGS) -> SimpleUploadedFile:
    """The round's file: the persons on the first sheet, the collectives on the «Tập thể» sheet."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Danh sách"
    sheet.append(HEADINGS)
    for row in persons:
        sheet.append(row)
    collectives = book.create_sheet("Tập thể")
    collectives.append(team_headings)
    for row in teams:
        collectives.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(
        "danh-sach.xlsx",
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@pytest.fixture
def sub_units(cast):
    """Two departments of the unit (by Unit.parent) and one of the other unit."""
    finance = UnitFactory(name="Phòng Tài chính – Kế hoạch", code="nk-tckh", parent=cast.unit)
    office = UnitFactory(name="Văn phòng HĐND và UBND", code="nk-vp", parent=cast.unit)
    foreign = UnitFactory(name="Phòng Nghiệp vụ Y", code="syt-nvy", parent=cast.other_unit)
    return type("SubUnits", (), {"finance": finance, "office": office, "foreign": foreign})


def import_file(cast, unit_round, upload):
    return rounds.round_import(
        unit_round=unit_round, rows=rounds.read_rows(upload), actor=Actor(user=cast.officer)
    )


def test_a_round_of_persons_and_collectives_imports_votes_and_decides_into_the_register(
    cast, unit_council, sub_units
):
    unit_round = new_round(cast)
    upload = round_file(
        [person_row(1), person_row(2)],
        [
            team_row("Phòng Tài chính – Kế hoạch"),
            team_row("nk-vp", advanced=11),  # by the unit's code
            team_row(cast.unit.name, award="Giấy khen", total=60, advanced=40),  # the unit itself
        ],
    )
    lines = import_file(cast, unit_round, upload)
    assert len(lines) == 5 and rounds.round_eligibility(unit_round) == {}
    teams = [line for line in lines if line.nominee.kind == "collective"]
    assert [(line.nominee.unit_id, line.award.code, line.row_number) for line in teams] == [
        (sub_units.finance.pk, "ttldtt", 3),
        (sub_units.office.pk, "ttldtt", 4),
        (cast.unit.pk, "giay-khen", 5),
    ]
    assert (teams[0].members_total, teams[0].members_advanced, teams[0].members_disciplined) == (20, 15, 0)
    assert teams[0].nominee.full_name == "Phòng Tài chính – Kế hoạch" and teams[0].nominee.sub_unit == ""
    added = AuditEvent.objects.filter(verb="round_line_added", subject_id=str(teams[0].pk)).get()
    assert added.data["sheet"] == "collectives" and added.data["figures"]["members_advanced"] == 15

    session = a_session(unit_council, Actor(user=unit_council.secretary))
    rounds.round_submit(unit_round=unit_round, session=session, actor=Actor(user=cast.officer))
    assert session.items.count() == 5  # one session for persons and collectives
    terms = rounds.round_agenda_terms(subject=teams[0], session=session)
    assert terms.summary.startswith(
        "Tập thể Phòng Tài chính – Kế hoạch (Tổng số thành viên 20; Số đạt Lao động"
    )
    # the batch path (agenda_terms_many) puts the same terms on the session
    assert session.items.get(subject_id=str(teams[0].pk)).summary == terms.summary
    vote_and_issue(session, unit_council, against={teams[1].pk})
    unit_round.refresh_from_db()
    assert unit_round.state == RoundState.VOTED
    assert UnitRoundLine.objects.get(pk=teams[1].pk).state == RoundLineState.FAILED

    draft = rounds.decision_context(unit_round, draft=True)
    assert (draft["person_count"], draft["collective_count"]) == (2, 2)
    rounds.round_decide(
        unit_round=unit_round,
        decision_number="15/QĐ-UBND",
        decision_date=session.planned_on,
        actor=Actor(user=cast.head),
    )
    unit_round.refresh_from_db()
    assert unit_round.state == RoundState.DECIDED
    record = AwardRecord.objects.get(nominee=teams[0].nominee, award__code="ttldtt", year=YEAR)
    assert record.decision_number == "15/QĐ-UBND" and record.source == "decided_here"
    assert UnitRoundLine.objects.get(pk=teams[0].pk).award_record_id == record.pk
    assert AwardRecord.objects.filter(nominee=teams[2].nominee, award__code="giay-khen").exists()
    assert not AwardRecord.objects.filter(nominee=teams[1].nominee).exists()  # the council did not pass it
    assert not teams[0].nominee.ratings.exists()  # a collective has no staff rating
    context = rounds.decision_context(unit_round)
    assert [group["award"].code for group in context["groups"]] == ["ldtt"]
    assert [
        (group["award"].code, [line.nominee.full_name for line in group["lines"]])
        for group in context["collective_groups"]
    ] == [("giay-khen", [cast.unit.name]), ("ttldtt", ["Phòng Tài chính – Kế hoạch"])]

    # the same collective and award for the same year again: one achievement, one award
    again = new_round(cast)
    with pytest.raises(rounds.RoundImportRefused) as refused:
        import_file(cast, again, round_file([], [team_row("Phòng Tài chính – Kế hoạch")]))
    [(row, message)] = refused.value.collective_rows
    assert row == 2 and "đã được «Tập thể lao động tiên tiến» năm 2025 (quyết định số 15/QĐ-UBND" in message


def test_a_collective_of_another_unit_is_refused_with_its_sheet_and_row(cast, sub_units):
    """Only the round's unit and its sub-units of the round's year: another unit's department, a department that
    ended before the year, a name nobody knows, each named with the sheet and row; nothing is written."""
    ended = UnitFactory(name="Phòng Kinh tế", code="nk-kt", parent=cast.unit, valid_to=date(YEAR - 1, 6, 30))
    moved = UnitFactory(name="Phòng Quản lý đô thị", code="nk-qldt", parent=cast.other_unit)
    UnitParentPeriod.objects.create(unit=moved, parent=cast.unit, valid_from=date(YEAR, 1, 1))
    unit_round = new_round(cast)
    upload = round_file(
        [person_row(1)],
        [
            team_row("Phòng Tài chính – Kế hoạch"),
            team_row("Phòng Nghiệp vụ Y"),
            team_row(cast.other_unit.name),
            team_row(ended.name),
            team_row("Phòng Không Có"),
            team_row("Phòng Quản lý đô thị"),  # under the unit in the round's year (the dated tree)
        ],
    )
    with pytest.raises(rounds.RoundImportRefused) as refused:
        import_file(cast, unit_round, upload)
    assert refused.value.rows == []
    text = "\n".join(refused.value.messages)
    assert "Trang «Tập thể», dòng 2" not in text and "dòng 7" not in text
    assert (
        "Trang «Tập thể», dòng 3: «Phòng Nghiệp vụ Y» là tập thể của đơn vị khác, không phải Quận Ninh Kiều hay "
        "đơn vị trực thuộc trong năm 2025"
    ) in text
    assert "Trang «Tập thể», dòng 4: «Sở Y tế» là tập thể của đơn vị khác" in text
    assert "Trang «Tập thể», dòng 5: «Phòng Kinh tế» là tập thể của đơn vị khác" in text
    assert (
        "Trang «Tập thể», dòng 6: Không có đơn vị «Phòng Không Có» trong Quận Ninh Kiều và các đơn vị trực thuộc "
        "năm 2025."
    ) in text
    assert not unit_round.lines.exists() and not Nominee.objects.filter(kind="collective").exists()


def test_a_collective_whose_figures_fail_the_ratio_rule_is_ineligible_with_the_computation(
    cast, unit_council
):
    unit_round = new_round(cast)
    with pytest.raises(rounds.RoundImportRefused) as refused:
        import_file(
            cast,
            unit_round,
            round_file(
                [],
                [
                    team_row(cast.unit.name, advanced=10),
                    team_row(cast.unit.name, award="Giấy khen", total=20, advanced=25),
                    [cast.unit.name, "TTLĐTT", "Thành tích.", 20, "mười lăm", 0],
                    [cast.unit.name, "TTLĐTT", "Thành tích.", 20, None, 1],
                    team_row(cast.unit.name, award="LĐTT"),
                ],
            ),
        )
    rows = refused.value.collective_rows
    assert rows[0] == (
        2,
        "Chưa đủ điều kiện «Tập thể lao động tiên tiến»: Trên 50% thành viên đạt Lao động tiên tiến: "
        "10/20 = 50,0 % (Luật TĐKT 2022, Điều 28)",
    )
    assert (3, "«Số đạt Lao động tiên tiến» (25) lớn hơn tổng số thành viên (20).") in rows
    assert (4, "«Số đạt Lao động tiên tiến» phải là số nguyên không âm (tệp ghi «mười lăm»).") in rows
    assert (
        5,
        "Thiếu «Số đạt Lao động tiên tiến»: điều kiện của «Tập thể lao động tiên tiến» cần số liệu này.",
    ) in rows
    assert (6, rounds.person_award_refusal(award("ldtt"))) in rows
    assert [number for number, _message in rows].count(4) == 1  # the bad figure is not also "missing"

    # imported when it passes; a line whose figures no longer pass is shown ineligible and blocks the submission
    [line] = import_file(cast, unit_round, round_file([], [team_row(cast.unit.name, advanced=11)]))
    UnitRoundLine.objects.filter(pk=line.pk).update(members_advanced=10, members_disciplined=1)
    messages = rounds.round_eligibility(unit_round)[line.pk]
    assert "Trên 50% thành viên đạt Lao động tiên tiến: 10/20 = 50,0 % (Luật TĐKT 2022, Điều 28)" in messages
    assert any(
        message.startswith("Không có thành viên bị kỷ luật từ cảnh cáo trở lên: 1 thành viên")
        for message in messages
    )
    refusals = rounds.round_submission_refusals(unit_round)
    assert refusals[0].startswith(
        f"Dòng {line.row_number}: Trên 50% thành viên đạt Lao động tiên tiến: 10/20"
    )


def test_a_hold_on_a_collective_blocks_the_decision(cast, unit_council, sub_units):
    unit_round = new_round(cast)
    [line] = import_file(cast, unit_round, round_file([], [team_row("Phòng Tài chính – Kế hoạch")]))
    session = a_session(unit_council, Actor(user=unit_council.secretary))
    rounds.round_submit(unit_round=unit_round, session=session, actor=Actor(user=cast.officer))
    vote_and_issue(session, unit_council)
    NomineeHold.objects.create(
        nominee=line.nominee,
        kind="inspection",
        starts_on=date(YEAR, 1, 1),
        source_document="KL 12/KL-TTr",
        created_by=cast.board,
    )
    from workflows import engine

    with pytest.raises(engine.TransitionNotAllowed) as refused:
        rounds.round_decide(
            unit_round=unit_round,
            decision_number="16/QĐ",
            decision_date=session.planned_on,
            actor=Actor(user=cast.head),
        )
    assert "Phòng Tài chính – Kế hoạch đang bị tạm dừng xét khen thưởng" in str(refused.value)
    unit_round.refresh_from_db()
    assert (
        unit_round.state == RoundState.VOTED and not AwardRecord.objects.filter(nominee=line.nominee).exists()
    )


def test_a_known_collective_is_found_by_its_unit_and_its_history_counts_across_a_succession(cast, sub_units):
    """The nominee recorded for the unit (kind collective, no sub-unit named) is reused; the batch history of a
    collective is the one eligibility builds, its predecessors' titles included."""
    from dossiers.eligibility import History

    known = NomineeFactory(unit=sub_units.finance, kind="collective", full_name="Phòng Tài chính – Kế hoạch")
    NomineeFactory(unit=cast.unit, kind="collective", full_name="Tổ văn thư", sub_unit="Tổ văn thư")
    # a department recorded under its parent by name only is not the parent itself
    named_only = NomineeFactory(unit=cast.unit, kind="collective", full_name="Phòng Kinh tế", sub_unit="")
    predecessor = UnitFactory(name="Phòng Tài chính", code="nk-tc", valid_to=date(YEAR - 2, 12, 31))
    UnitSuccession.objects.create(
        predecessor=predecessor, successor=sub_units.finance, kind="rename", effective_on=date(YEAR - 1, 1, 1)
    )
    before = NomineeFactory(unit=predecessor, kind="collective", sub_unit="")
    AwardRecordFactory(nominee=before, award=award("ttldtt"), year=YEAR - 2)
    AwardRecordFactory(nominee=known, award=award("ttldtt"), year=YEAR - 1)
    batch = rounds.histories_for([known])[known.pk]
    one = History(known)
    one.disciplines()
    assert vars(batch) == vars(one) and batch.titles["ttldtt"] == {YEAR - 2, YEAR - 1}
    unit_round = new_round(cast)
    finance, itself = import_file(
        cast, unit_round, round_file([], [team_row("nk-tckh"), team_row(cast.unit.name, award="Giấy khen")])
    )
    assert finance.nominee_id == known.pk
    assert Nominee.objects.filter(kind="collective", unit=sub_units.finance).count() == 1
    assert itself.nominee_id != named_only.pk and itself.nominee.full_name == cast.unit.name


def test_the_template_has_the_collectives_sheet_with_the_figures_the_rules_read(cast, sub_units):
    from openpyxl import load_workbook

    book = load_workbook(BytesIO(rounds.template_bytes(YEAR, cast.unit)))
    assert book.sheetnames == ["Danh sách", "Tập thể", "Hướng dẫn"]
    assert [cell.value for cell in book["Tập thể"][1]] == TEAM_HEADINGS
    guide = "\n".join(str(row[1].value) for row in book["Hướng dẫn"].iter_rows())
    assert "nk-tckh: Phòng Tài chính – Kế hoạch" in guide and "ttldtt (Tập thể lao động tiên tiến)" in guide
    upload = SimpleUploadedFile("m.xlsx", rounds.template_bytes(YEAR, cast.unit))
    assert rounds.read_rows(upload) == []
    wrong = round_file([], [team_row(cast.unit.name)], team_headings=[*TEAM_HEADINGS[:3], "Số lượng"])
    with pytest.raises(Exception) as refused:
        rounds.read_rows(wrong)
    assert "Dòng tiêu đề của trang «Tập thể» không đúng mẫu" in str(refused.value)


def test_the_api_lists_the_collectives_and_names_their_bad_rows(cast, sub_units, api):
    unit_round = new_round(cast)
    client = api(cast.officer)
    bad = client.post(
        f"/api/v1/unit-rounds/{unit_round.pk}/import/",
        {"file": round_file([person_row(1)], [team_row("Phòng Nghiệp vụ Y")])},
    )
    assert bad.status_code == 400 and bad["Content-Type"].startswith("application/problem+json")
    assert bad.json()["rows"] == [
        "Trang «Tập thể», dòng 2: «Phòng Nghiệp vụ Y» là tập thể của đơn vị khác, không phải Quận Ninh Kiều hay "
        "đơn vị trực thuộc trong năm 2025: đơn vị đó tự bình xét tập thể của mình."
    ]
    good = client.post(
        f"/api/v1/unit-rounds/{unit_round.pk}/import/",
        {"file": round_file([person_row(1)], [team_row("Phòng Tài chính – Kế hoạch")])},
    )
    assert good.status_code == 201 and good.json() == {"created": 2}
    results = client.get(f"/api/v1/unit-rounds/{unit_round.pk}/lines/").json()["results"]
    person, team = results
    assert person["recipient_kind"] == "individual" and person["collective_unit"] is None
    assert person["members_total"] is None
    assert team["recipient_kind"] == "collective" and team["collective_unit"] == sub_units.finance.pk
    assert (
        team["award_code"],
        team["members_total"],
        team["members_advanced"],
        team["members_disciplined"],
    ) == (
        "ttldtt",
        20,
        15,
        0,
    )
    assert team["eligibility"] == [] and team["full_name"] == "Phòng Tài chính – Kế hoạch"


def test_the_round_pages_show_the_collectives_and_the_annex_lists_them_apart(
    cast, unit_council, sub_units, client
):
    client.force_login(cast.officer)
    unit_round = new_round(cast)
    bad = client.post(
        unit_round.get_absolute_url(),
        {"action": "import", "file": round_file([person_row(1)], [team_row("Phòng Nghiệp vụ Y")])},
    )
    text = bad.content.decode()
    assert bad.status_code == 400 and "Tệp có 1 lỗi; chưa dòng nào được nhập." in text
    assert "Trang «Tập thể», dòng 2: «Phòng Nghiệp vụ Y» là tập thể của đơn vị khác" in text
    client.post(
        unit_round.get_absolute_url(),
        {"action": "import", "file": round_file([person_row(1)], [team_row("Phòng Tài chính – Kế hoạch")])},
    )
    page = client.get(unit_round.get_absolute_url()).content.decode()
    # a sub-unit's collective is not a nominee page its parent's officer opens: its name is not a link
    assert '<td>Phòng Tài chính – Kế hoạch <span class="badge">Tập thể</span>' in page
    assert "Tổng số 20; đạt LĐTT 15; bị kỷ luật 0" in page
    session = a_session(unit_council, Actor(user=unit_council.secretary))
    rounds.round_submit(unit_round=unit_round, session=session, actor=Actor(user=cast.officer))
    vote_and_issue(session, unit_council)
    rounds.round_decide(
        unit_round=unit_round,
        decision_number="17/QĐ",
        decision_date=session.planned_on,
        actor=Actor(user=cast.head),
    )
    pdf = client.get(f"/ho-so/dot-binh-xet/{unit_round.pk}/quyet-dinh.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    context = rounds.decision_context(unit_round)
    from django.template.loader import render_to_string

    html = render_to_string("dossiers/unit_round/decision.html", context)
    assert "1 lượt cá nhân và 1 lượt tập thể" in html
    assert "I. CÁ NHÂN (1)" in html and "II. TẬP THỂ (1)" in html
    assert (
        html.index("Nguyễn Văn Thứ 1") < html.index("II. TẬP THỂ") < html.index("Phòng Tài chính – Kế hoạch")
    )
