"""A new nominee gets a history (issue 14 item 2): the unit declares past titles, ratings and initiatives with
their decision as evidence (form, API, Excel import: all or nothing); the Board confirms or rejects each record
(audited); only confirmed records count toward eligibility; records decided here stay read-only."""

import io
import zipfile
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from dossiers import history_import, services
from dossiers.eligibility import blocking_errors, evaluate
from dossiers.models import AwardRecord, RecordSource, RecordStatus, YearlyRating
from tests.factories import AwardRecordFactory, NomineeFactory
from workflows.audit import Actor
from workflows.models import AuditEvent

from .helpers import YEAR, award

pytestmark = pytest.mark.django_db


def title_fields(year, code="cstdcs", number=None):
    return {
        "award": award(code),
        "year": year,
        "authority": "Thủ trưởng đơn vị",
        "decision_number": number or f"{year}/QĐ-UBND",
        "decision_date": date(year, 12, 20),
    }


def declare_two_titles(cast, nominee):
    return [
        services.record_declare(nominee=nominee, kind="title", fields=title_fields(y), actor=cast.officer)
        for y in (YEAR - 1, YEAR)
    ]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# -- services and eligibility ---------------------------------------------------------------------------------
def test_declared_titles_count_only_once_the_board_confirms_them(cast):
    nominee = NomineeFactory(unit=cast.unit)
    first, second = declare_two_titles(cast, nominee)
    assert first.status == RecordStatus.DECLARED and first.declared_by == cast.officer
    [message] = blocking_errors(nominee, award("bk-tp"), YEAR)
    assert "chờ Ban TĐKT xác nhận" in message
    [outcome] = [o for o in evaluate(nominee, award("bk-tp"), YEAR) if not o.passed]
    assert outcome.pending

    services.record_confirm(record=first, actor=cast.board)
    assert blocking_errors(nominee, award("bk-tp"), YEAR)  # one confirmed title is not two
    services.record_confirm(record=second, actor=cast.board, note="Đã đối chiếu quyết định gốc")
    assert blocking_errors(nominee, award("bk-tp"), YEAR) == []
    second.refresh_from_db()
    assert second.status == RecordStatus.CONFIRMED and second.reviewed_by == cast.board
    assert second.reviewed_at is not None
    events = AuditEvent.objects.filter(subject_type__model="awardrecord", subject_id=str(second.pk))
    assert list(events.order_by("sequence").values_list("verb", flat=True)) == ["declare", "confirm"]
    assert events.get(verb="confirm").data["decision_number"] == f"{YEAR}/QĐ-UBND"


def test_a_rejected_record_never_counts_and_needs_a_reason(cast):
    nominee = NomineeFactory(unit=cast.unit)
    first, second = declare_two_titles(cast, nominee)
    with pytest.raises(ValidationError) as refused:
        services.record_reject(record=first, note="  ", actor=cast.board)
    assert "lý do" in str(refused.value)
    first.refresh_from_db()
    assert first.status == RecordStatus.DECLARED
    services.record_reject(record=first, note="Không có quyết định gốc", actor=cast.board)
    services.record_confirm(record=second, actor=cast.board)
    outcomes = [o for o in evaluate(nominee, award("bk-tp"), YEAR) if not o.passed]
    assert outcomes and not outcomes[0].pending
    with pytest.raises(ValidationError):  # a record is checked once
        services.record_confirm(record=first, actor=cast.board)
    # the rejected title may be declared again, with better evidence
    services.record_declare(
        nominee=nominee, kind="title", fields=title_fields(YEAR - 1, number="9/QĐ"), actor=cast.head
    )


def test_only_the_nominees_unit_declares_and_only_the_board_confirms(cast):
    nominee = NomineeFactory(unit=cast.unit)
    for outsider in (cast.officer2, cast.board, cast.chairman):
        with pytest.raises(PermissionDenied):
            services.record_declare(nominee=nominee, kind="title", fields=title_fields(YEAR), actor=outsider)
    record = services.record_declare(
        nominee=nominee, kind="title", fields=title_fields(YEAR), actor=cast.head
    )
    for not_board in (cast.officer, cast.head, cast.officer2, cast.chairman, cast.auditor):
        with pytest.raises(PermissionDenied):
            services.record_confirm(record=record, actor=not_board)
    record.refresh_from_db()
    assert record.status == RecordStatus.DECLARED and record.reviewed_by is None


def test_declaring_checks_the_evidence_and_duplicates(cast):
    nominee = NomineeFactory(unit=cast.unit)
    AwardRecordFactory(nominee=nominee, award=award("cstdcs"), year=YEAR - 1)
    bad = {
        "award": award("cstdcs"),
        "year": YEAR - 1,
        "authority": "",
        "decision_number": "",
        "decision_date": None,
    }
    with pytest.raises(ValidationError) as refused:
        services.record_declare(nominee=nominee, kind="title", fields=bad, actor=cast.officer)
    errors = refused.value.message_dict
    assert set(errors) == {"award", "authority", "decision_number", "decision_date"}
    future = {**title_fields(YEAR), "decision_date": date(2999, 1, 1)}
    with pytest.raises(ValidationError):
        services.record_declare(nominee=nominee, kind="title", fields=future, actor=cast.officer)
    collective = NomineeFactory(unit=cast.unit, kind="collective")
    with pytest.raises(ValidationError) as refused:
        services.record_declare(
            nominee=collective,
            kind="rating",
            fields={
                "year": YEAR,
                "rating": "HTXS",
                "decision_number": "1/QĐ",
                "decision_date": date(YEAR, 12, 1),
            },
            actor=cast.officer,
        )
    assert "chỉ dành cho cá nhân" in str(refused.value)
    assert AwardRecord.objects.filter(nominee=nominee).count() == 1


def test_a_declared_rating_and_initiative_wait_for_confirmation(cast):
    nominee = NomineeFactory(unit=cast.unit)
    rating = services.record_declare(
        nominee=nominee,
        kind="rating",
        fields={
            "year": YEAR,
            "rating": "HTT",
            "decision_number": "5/QĐ",
            "decision_date": date(YEAR, 12, 28),
        },
        actor=cast.officer,
    )
    assert blocking_errors(nominee, award("ldtt"), YEAR)
    services.record_confirm(record=rating, actor=cast.board_head)
    assert blocking_errors(nominee, award("ldtt"), YEAR) == []
    initiative = services.record_declare(
        nominee=nominee,
        kind="initiative",
        fields={
            "title": "Số hóa hồ sơ một cửa",
            "scope": "grassroots",
            "year": YEAR,
            "recognised_by": "Hội đồng sáng kiến cơ sở",
            "decision_number": "7/QĐ",
            "decision_date": date(YEAR, 11, 2),
        },
        actor=cast.officer,
    )
    assert any(o.pending for o in evaluate(nominee, award("cstdcs"), YEAR))
    services.record_confirm(record=initiative, actor=cast.board)
    assert blocking_errors(nominee, award("cstdcs"), YEAR) == []


def test_records_decided_here_stay_read_only(cast):
    nominee = NomineeFactory(unit=cast.unit)
    decided = AwardRecordFactory(
        nominee=nominee, award=award("cstdcs"), year=YEAR, source=RecordSource.DECIDED_HERE
    )
    with pytest.raises(ValidationError):
        services.record_reject(record=decided, note="x", actor=cast.board)
    from django.contrib.admin.sites import site

    model_admin = site._registry[AwardRecord]
    request = type("R", (), {"user": cast.board})()
    cast.board.is_staff = cast.board.is_superuser = True
    assert model_admin.has_change_permission(request, decided) is False
    assert model_admin.has_delete_permission(request, decided) is False
    imported = AwardRecordFactory(nominee=nominee, award=award("cstdcs"), year=YEAR - 1)
    assert model_admin.has_change_permission(request, imported) is True


# -- web ------------------------------------------------------------------------------------------------------
def test_the_unit_declares_on_the_nominee_page_and_the_board_confirms(cast):
    nominee = NomineeFactory(unit=cast.unit)
    page = reverse("dossiers:nominee", args=[nominee.pk])
    officer = signed_in(cast.officer)
    assert "Khai báo quá trình" in officer.get(page).content.decode()
    url = reverse("dossiers:nominee_declare", args=[nominee.pk, "title"])
    # the form offers each award once (its latest version); the record keeps the version of its year
    [offered] = [a for a in history_import.awards_for(nominee) if a.code == "cstdcs"]
    award_id = offered.pk
    bad = officer.post(
        url, {"title-award": award_id, "title-year": YEAR, "title-decision_date": "31/02/2023"}
    )
    assert bad.status_code == 400
    body = bad.content.decode()
    assert "Nhập ngày theo dạng ngày/tháng/năm" in body and f'value="{YEAR}"' in body
    assert not AwardRecord.objects.filter(nominee=nominee).exists()
    good = {
        "title-award": award_id,
        "title-year": YEAR,
        "title-authority": "Giám đốc Sở",
        "title-decision_number": "12/QĐ-SNV",
        "title-decision_date": "28/12/2023",
    }
    assert officer.post(url, good).status_code == 302
    record = AwardRecord.objects.get(nominee=nominee)
    assert record.decision_date == date(2023, 12, 28) and record.status == RecordStatus.DECLARED
    assert record.award == award("cstdcs")  # Decree 91/2017's, in force in 2023
    assert "Đơn vị khai báo, chờ Ban xác nhận" in officer.get(page).content.decode()
    assert "history_review" not in officer.get(page).content.decode()
    confirm = reverse("dossiers:history_review", args=["title", record.pk, "confirm"])
    officer.post(confirm)
    record.refresh_from_db()
    assert record.status == RecordStatus.DECLARED  # the unit cannot confirm its own declaration
    board = signed_in(cast.board)
    assert confirm in board.get(page).content.decode()
    assert board.post(confirm).status_code == 302
    record.refresh_from_db()
    assert record.status == RecordStatus.CONFIRMED


def test_another_unit_gets_404(cast):
    nominee = NomineeFactory(unit=cast.unit)
    record = services.record_declare(
        nominee=nominee, kind="title", fields=title_fields(YEAR), actor=cast.officer
    )
    other = signed_in(cast.officer2)
    assert other.get(reverse("dossiers:nominee", args=[nominee.pk])).status_code == 404
    assert other.post(reverse("dossiers:nominee_declare", args=[nominee.pk, "title"])).status_code == 404
    assert other.post(reverse("dossiers:history_import", args=[nominee.pk])).status_code == 404
    assert other.get(reverse("dossiers:history_template", args=[nominee.pk])).status_code == 404
    assert (
        other.post(reverse("dossiers:history_review", args=["title", record.pk, "confirm"])).status_code
        == 404
    )
    assert other.post(reverse("dossiers:nominee_declare", args=[nominee.pk, "bogus"])).status_code == 404


def test_the_dossier_line_shows_which_rule_waits_on_a_confirmation(cast):
    nominee = NomineeFactory(unit=cast.unit)
    declare_two_titles(cast, nominee)
    dossier = services.dossier_create(
        unit=cast.unit, year=YEAR, occasion="annual", title="Hồ sơ", user=cast.officer
    )
    services.line_add(
        dossier=dossier,
        nominee=nominee,
        award=award("bk-tp"),
        achievement_report="Xuất sắc.",
        user=cast.officer,
    )
    officer = signed_in(cast.officer)
    assert "Chờ Ban TĐKT xác nhận" in officer.get(dossier.get_absolute_url()).content.decode()
    page = officer.get(reverse("dossiers:nominee", args=[nominee.pk])).content.decode()
    assert "data-pending-confirmation" in page and "sẽ đạt khi Ban TĐKT xác nhận" in page


# -- API ------------------------------------------------------------------------------------------------------
def test_api_declare_confirm_reject_and_4xx(cast, api):
    nominee = NomineeFactory(unit=cast.unit)
    url = f"/api/nominees/{nominee.pk}/history/"
    body = {
        "kind": "rating",
        "year": YEAR,
        "rating": "HTXS",
        "decision_number": "3/QĐ",
        "decision_date": "2023-12-30",
    }
    assert api(cast.officer).post(url, {**body, "rating": "SUPER"}, format="json").status_code == 400
    bad_kind = api(cast.officer).post(url, {**body, "kind": "x"}, format="json")
    assert bad_kind.status_code == 400 and "kind" in bad_kind.json()["errors"]  # problem details
    assert api(cast.officer2).post(url, body, format="json").status_code == 404
    assert api(cast.board).post(url, body, format="json").status_code == 403
    created = api(cast.officer).post(url, body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "declared"
    record_id = created.json()["id"]
    assert api(cast.officer).post(url, body, format="json").status_code == 400  # the same year twice
    review = f"/api/nominees/{nominee.pk}/history/rating/{record_id}"
    assert api(cast.officer).post(f"{review}/confirm/").status_code == 403
    assert api(cast.board).post(f"{review}/reject/", {"note": ""}, format="json").status_code == 400
    assert (
        api(cast.board).post(f"/api/nominees/{nominee.pk}/history/rating/999999/confirm/").status_code == 404
    )
    confirmed = api(cast.board).post(f"{review}/confirm/")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert api(cast.board).post(f"{review}/reject/", {"note": "sai"}, format="json").status_code == 400
    listing = api(cast.officer).get(url).json()
    assert listing["ratings"][0]["status"] == "confirmed"
    eligibility = api(cast.officer).get(
        f"/api/awards/{award('ldtt').pk}/eligibility/{nominee.pk}/?year={YEAR}"
    )
    assert all(rule["passed"] for rule in eligibility.json()["rules"])


# -- Excel import ---------------------------------------------------------------------------------------------
HEADER = [str(heading) for _k, heading, _t in history_import.COLUMNS]


def xlsx(rows, header=HEADER) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("qua-trinh.xlsx", buffer.getvalue())


GOOD_ROWS = [
    ["Danh hiệu, hình thức", YEAR - 1, "Chiến sĩ thi đua cơ sở", "", "Giám đốc Sở", "11/QĐ", "20/12/2022"],
    ["Danh hiệu, hình thức", YEAR, "cstdcs", "", "Giám đốc Sở", "12/QĐ", date(2023, 12, 20)],
    ["Xếp loại", YEAR, "HTXS – Hoàn thành xuất sắc nhiệm vụ", "", "", "13/QĐ", "28/12/2023"],
    ["Sáng kiến, đề tài", YEAR, "Số hóa hồ sơ", "Cơ sở", "Hội đồng sáng kiến", "14/QĐ", "01/11/2023"],
]


def test_template_has_dropdowns_and_is_accepted_back(cast):
    nominee = NomineeFactory(unit=cast.unit)
    response = signed_in(cast.officer).get(reverse("dossiers:history_template", args=[nominee.pk]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == HEADER
    validations = sheet.data_validations.dataValidation
    assert {str(v.sqref).split(":")[0] for v in validations} == {"A2", "C2", "D2", "H2"}
    lists = book.worksheets[1]
    assert "Xếp loại" in [c.value for c in lists["A"]]
    assert "Chiến sĩ thi đua cơ sở" in [c.value for c in lists["B"]]
    assert history_import.read_rows(SimpleUploadedFile("m.xlsx", response.content), nominee) == []


def test_a_good_file_declares_every_row(cast):
    nominee = NomineeFactory(unit=cast.unit)
    response = signed_in(cast.officer).post(
        reverse("dossiers:history_import", args=[nominee.pk]), {"file": xlsx(GOOD_ROWS)}
    )
    assert response.status_code == 302
    assert nominee.award_records.filter(status=RecordStatus.DECLARED).count() == 2
    assert YearlyRating.objects.get(nominee=nominee).rating == "HTXS"
    assert nominee.initiatives.get().scope == "grassroots"
    assert AuditEvent.objects.filter(verb="declare", data__imported_row=5).count() == 1
    assert blocking_errors(nominee, award("bk-tp"), YEAR)  # declared, not yet confirmed


def test_bad_rows_refuse_the_whole_file_naming_each_row(cast, api):
    nominee = NomineeFactory(unit=cast.unit)
    rows = [
        *GOOD_ROWS[:2],
        ["Danh hiệu, hình thức", YEAR, "Không có danh hiệu này", "", "Sở", "1/QĐ", "01/12/2023"],
        ["Khen linh tinh", YEAR, "x", "", "", "", ""],
        ["Danh hiệu, hình thức", YEAR, "cstdcs", "", "Sở", "12/QĐ", "20/12/2023"],
        ["Xếp loại", "năm ngoái", "HTT", "", "", "2/QĐ", "32/13/2023"],
    ]
    response = signed_in(cast.officer).post(
        reverse("dossiers:history_import", args=[nominee.pk]), {"file": xlsx(rows)}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Dòng 4: Không có danh hiệu, hình thức «Không có danh hiệu này»" in body
    assert "Dòng 5: Loại «Khen linh tinh» không hợp lệ" in body
    assert "Dòng 6: Trùng với dòng 3." in body
    assert "Dòng 7: Năm «năm ngoái» không hợp lệ" in body and "Dòng 7: Ngày quyết định không hợp lệ" in body
    assert not nominee.award_records.exists() and not nominee.ratings.exists()
    refused = api(cast.officer).post(f"/api/nominees/{nominee.pk}/history-import/", {"file": xlsx(rows)})
    assert refused.status_code == 400 and refused.json()["rows"][0].startswith("Dòng 4:")
    created = api(cast.officer).post(f"/api/nominees/{nominee.pk}/history-import/", {"file": xlsx(GOOD_ROWS)})
    assert created.status_code == 201 and len(created.json()["created"]) == 4
    assert (
        api(cast.officer2)
        .post(f"/api/nominees/{nominee.pk}/history-import/", {"file": xlsx(GOOD_ROWS)})
        .status_code
        == 404
    )


def _bomb() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (200 * 1024 * 1024))
    return SimpleUploadedFile("bomb.xlsx", buffer.getvalue())


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("x.xlsx", b"%PDF-1.4 not excel"), "Chỉ chấp nhận tệp Excel .xlsx"),
        (SimpleUploadedFile("x.xlsx", b"PK\x03\x04broken"), "Chỉ chấp nhận tệp Excel .xlsx"),
        (SimpleUploadedFile("x.xlsx", b""), "Tệp rỗng"),
        (None, "giải nén ra quá lớn"),
        ("header", "Dòng tiêu đề không đúng mẫu"),
        ("many", "mỗi lần nhập tối đa"),
    ],
)
def test_hostile_files_are_refused_with_a_message(cast, api, upload, message):
    nominee = NomineeFactory(unit=cast.unit)
    if upload is None:
        upload = _bomb()
    elif upload == "header":
        upload = xlsx(GOOD_ROWS, header=["a", "b"])
    elif upload == "many":
        upload = xlsx([GOOD_ROWS[0]] * (history_import.MAX_IMPORT_ROWS + 1))
    response = signed_in(cast.officer).post(
        reverse("dossiers:history_import", args=[nominee.pk]), {"file": upload}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    upload.seek(0)
    # signed in with a session, as the request-size middleware sees it (a token caller would be the same)
    via_api = signed_in(cast.officer).post(f"/api/nominees/{nominee.pk}/history-import/", {"file": upload})
    assert via_api.status_code == 400 and via_api.headers["Content-Type"].startswith(
        "application/problem+json"
    )
    assert not nominee.award_records.exists()


def test_the_import_reader_never_writes_and_the_service_checks_the_role(cast):
    nominee = NomineeFactory(unit=cast.unit)
    rows = history_import.read_rows(xlsx(GOOD_ROWS), nominee)
    assert [row.errors for row in rows] == [[], [], [], []]
    with pytest.raises(PermissionDenied):
        services.history_import(nominee=nominee, rows=rows, actor=Actor(user=cast.board))
    assert not nominee.award_records.exists()
