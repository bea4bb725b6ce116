"""The web pages along the main path, the unit isolation rule, and rejected forms keeping their input."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dossiers.models import AwardRecord, Dossier, DossierDocument, DossierState, NomineeState, PublicComment

from .helpers import (
    YEAR,
    award,
    council_result,
    council_session,
    eligible_nominee,
    end_posting,
    pdf,
    ready_dossier,
    walk_to,
)

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def transition_url(obj, name):
    return reverse("transition", args=["dossiers", obj._meta.model_name, obj.pk, name])


def test_main_path_through_the_web(client, cast):
    nominee = eligible_nominee(cast.unit, full_name="Phạm Thị Thu")
    login(client, cast.officer)
    assert client.get(reverse("dossiers:list")).status_code == 200
    response = client.post(
        reverse("dossiers:create"),
        {"unit": cast.unit.pk, "year": YEAR, "occasion": "annual", "title": "Đề nghị Bằng khen năm 2023"},
    )
    dossier = Dossier.objects.get(title="Đề nghị Bằng khen năm 2023")
    assert response.status_code == 302 and response["Location"] == dossier.get_absolute_url()
    url = dossier.get_absolute_url()
    response = client.post(
        url,
        {
            "add_line": "1",
            "line-nominee": nominee.pk,
            "line-award": award("bk-tp").pk,
            "line-achievement_report": "Hoàn thành xuất sắc nhiệm vụ.",
        },
    )
    assert response.status_code == 302
    line = dossier.lines.get()
    page = client.get(url).content.decode()
    assert "Phạm Thị Thu" in page and "2 năm liên tục Chiến sĩ thi đua cơ sở" in page
    assert "Thiếu Tờ trình của hồ sơ." in page
    for kind, target in (
        ("submission_letter", ""),
        ("unit_council_minutes", ""),
        ("achievement_report", line.pk),
    ):
        response = client.post(
            url,
            {"upload": "1", "upload-kind": kind, "upload-line": target, "upload-file": pdf(f"{kind}.pdf")},
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    assert client.post(transition_url(dossier, "submit")).status_code == 200  # the officer may not submit
    login(client, cast.head)
    assert client.post(transition_url(dossier, "submit"), {"comment": "Kính trình"}).status_code == 302
    login(client, cast.board)
    assert client.get(reverse("dossiers:overdue")).status_code == 200
    assert client.post(transition_url(dossier, "accept")).status_code == 302
    response = client.post(
        reverse("dossiers:appraise", args=[dossier.pk]),
        {"line": line.pk, "verdict": "propose", "opinion": "Đủ tiêu chuẩn theo Điều 74"},
    )
    assert response.status_code == 302
    login(client, cast.board_head)
    assert client.post(transition_url(dossier, "sign_off")).status_code == 302
    login(client, cast.board)
    session = council_session(cast)
    assert client.post(transition_url(dossier, "schedule"), {"session": session.pk}).status_code == 302
    line.refresh_from_db()
    assert line.council_term_id == session.council_term_id and session.items.get().subject == line
    council_result(line, True)
    assert client.post(transition_url(dossier, "post"), {"working_days": 10}).status_code == 302
    client.logout()
    public = client.get(reverse("dossiers:public"))
    assert public.status_code == 200 and "Phạm Thị Thu" in public.content.decode()
    response = client.post(
        reverse("dossiers:public"),
        {
            "line": line.pk,
            f"c{line.pk}-author_name": "Lê Văn Dân",
            f"c{line.pk}-contact": "0292 000 000",
            f"c{line.pk}-text": "Đồng ý với đề nghị.",
        },
    )
    assert response.status_code == 302 and PublicComment.objects.filter(line=line).count() == 1
    end_posting(dossier)
    login(client, cast.chairman)
    page = client.get(reverse("dossiers:decide", args=[dossier.pk])).content.decode()
    assert "19/21 đồng ý" in page and "Đồng ý với đề nghị." in page
    pdf_response = client.get(reverse("dossiers:decision_pdf", args=[dossier.pk]))
    assert pdf_response.status_code == 200 and pdf_response.content.startswith(b"%PDF")
    response = client.post(
        reverse("dossiers:decide", args=[dossier.pk]),
        {
            "decision_number": "321/QĐ-UBND",
            "decision_date": "2024-01-20",
            f"line_{line.pk}": "approve",
            "confirmed": "1",
        },
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    line.refresh_from_db()
    assert (dossier.state, line.state) == (DossierState.DECIDED, NomineeState.APPROVED)
    excel = client.get(reverse("dossiers:awardees_excel", args=[dossier.pk]))
    assert excel.status_code == 200 and excel.content[:2] == b"PK"
    login(client, cast.board)
    register = client.get(reverse("dossiers:register"), {"q": "Thu", "year": YEAR, "award": "bk-tp"})
    assert "321/QĐ-UBND" in register.content.decode()
    assert "321/QĐ-UBND" not in client.get(reverse("dossiers:register"), {"year": YEAR - 5}).content.decode()
    history = client.get(reverse("history", args=["dossiers", "dossier", dossier.pk]))
    assert history.status_code == 200
    changes = client.get(reverse("dossiers:changes", args=[dossier.pk]))
    assert changes.status_code == 200 and "submission_letter.pdf" in changes.content.decode()
    assert AwardRecord.objects.filter(dossier_nominee=line, decision_number="321/QĐ-UBND").exists()


def test_another_units_dossier_is_not_found_in_the_ui(client, cast):
    dossier = walk_to(cast, ready_dossier(cast), "submitted")
    line = dossier.lines.get()
    document = DossierDocument.objects.filter(dossier=dossier).first()
    login(client, cast.officer2)
    for url in (
        dossier.get_absolute_url(),
        reverse("dossiers:appraise", args=[dossier.pk]),
        reverse("dossiers:return", args=[dossier.pk]),
        reverse("dossiers:decide", args=[dossier.pk]),
        reverse("dossiers:document", args=[document.pk]),
        reverse("dossiers:line_edit", args=[line.pk]),
        reverse("history", args=["dossiers", "dossier", dossier.pk]),
        transition_url(dossier, "withdraw"),
        reverse("dossiers:awardees_excel", args=[dossier.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert dossier.title not in client.get(reverse("dossiers:list")).content.decode()
    login(client, cast.officer)
    assert client.get(dossier.get_absolute_url()).status_code == 200


def test_a_rejected_form_keeps_the_input(client, cast):
    dossier = ready_dossier(cast)
    login(client, cast.officer)
    response = client.post(
        dossier.get_absolute_url(),
        {
            "add_line": "1",
            "line-kind": "individual",
            "line-full_name": "Võ Minh Trí",
            "line-birth_year": "1985",
            "line-award": award("ttldtt").pk,
            "line-achievement_report": "Báo cáo thành tích đã soạn kỹ",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Võ Minh Trí" in page and "Báo cáo thành tích đã soạn kỹ" in page
    assert "không dành cho đối tượng" in page
    assert dossier.lines.count() == 1


def test_a_non_pdf_upload_through_the_web_is_refused(client, cast):
    dossier = ready_dossier(cast)
    before = DossierDocument.objects.count()
    login(client, cast.officer)
    response = client.post(
        dossier.get_absolute_url(),
        {
            "upload": "1",
            "upload-kind": "submission_letter",
            "upload-file": SimpleUploadedFile("to-trinh.pdf", b"MZ\x90\x00 not a pdf"),
        },
    )
    assert response.status_code == 400
    assert "Chỉ chấp nhận tệp PDF" in response.content.decode()
    assert DossierDocument.objects.count() == before


def test_return_screen_lists_a_reason_per_nominee(client, cast):
    dossier = walk_to(cast, ready_dossier(cast), "submitted")
    line = dossier.lines.get()
    login(client, cast.board)
    response = client.post(
        reverse("dossiers:return", args=[dossier.pk]),
        {"comment": "Hồ sơ chưa đầy đủ", f"line_{line.pk}": "Báo cáo thiếu xác nhận", "working_days": "5"},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == DossierState.RETURNED
    [item] = dossier.return_items.all()
    assert item.text.endswith("Báo cáo thiếu xác nhận") and line.nominee.full_name in item.text
    login(client, cast.officer)
    assert "Báo cáo thiếu xác nhận" in client.get(dossier.get_absolute_url()).content.decode()


def test_return_screen_keeps_input_when_refused(client, cast):
    dossier = walk_to(cast, ready_dossier(cast), "submitted")
    login(client, cast.board)
    response = client.post(
        reverse("dossiers:return", args=[dossier.pk]),
        {"comment": "", "items": "Thiếu biên bản họp", "working_days": "5"},
    )
    assert response.status_code == 400
    assert "Thiếu biên bản họp" in response.content.decode()


def test_scheduling_without_a_session_is_refused_next_to_the_field(client, cast):
    dossier = walk_to(cast, ready_dossier(cast), "appraised")
    council_session(cast)  # a session is on offer: leaving the field empty is the user's choice, refused
    login(client, cast.board)
    response = client.post(transition_url(dossier, "schedule"), {"session": "", "comment": "Trình hội đồng"})
    assert response.status_code == 400
    assert response.context["form"].errors["session"] == ["Chọn phiên họp hội đồng sẽ xét các đối tượng này."]
    page = response.content.decode()
    start = page.index('name="session"')
    after = page[start:].split("<label", 1)[0].split("</form>", 1)[0]  # up to the next field or </form>
    assert "Chọn phiên họp hội đồng sẽ xét các đối tượng này." in after and "Trình hội đồng" in page
    dossier.refresh_from_db()
    assert dossier.state == DossierState.APPRAISED
    assert dossier.lines.get().state == NomineeState.PROPOSED


def test_the_board_sees_overdue_steps(client, cast):
    dossier = walk_to(cast, ready_dossier(cast), "submitted")
    Dossier.objects.filter(pk=dossier.pk).update(deadline="2024-01-02")
    login(client, cast.board)
    page = client.get(reverse("dossiers:overdue")).content.decode()
    assert "02/01/2024" in page
    login(client, cast.officer)
    assert client.get(reverse("dossiers:overdue")).status_code == 403


def test_exports_list_the_awardees(client, cast):
    import io

    from openpyxl import load_workbook

    dossier = ready_dossier(
        cast, lines=(("bk-tp", eligible_nominee(cast.unit, full_name="Đinh Thị Lụa")), ("cstd-tq", None))
    )
    login(client, cast.officer)
    assert client.get(reverse("dossiers:awardees_excel", args=[dossier.pk])).status_code == 404  # nothing yet
    walk_to(cast, dossier, "posted")
    Dossier.objects.filter(pk=dossier.pk).update(posted_until="2024-01-01")
    from workflows import engine

    engine.perform(
        dossier,
        "decide",
        user=cast.chairman,
        data={
            "decision_number": "55/QĐ-UBND",
            "decision_date": "2024-01-20",
            "approved": ",".join(str(pk) for pk in dossier.lines.values_list("pk", flat=True)),
        },
    )
    response = client.get(reverse("dossiers:awardees_excel", args=[dossier.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[1] for row in sheet.iter_rows(min_row=5, values_only=True)]
    assert "Đinh Thị Lụa" in names and len(names) == 2
    assert "55/QĐ-UBND" in sheet["A1"].value
    response = client.get(reverse("dossiers:decision_pdf", args=[dossier.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_register_search_by_unit_and_the_nominee_page(client, cast):
    dossier = walk_to(cast, ready_dossier(cast), "decided")
    line = dossier.lines.get()
    login(client, cast.board)
    page = client.get(reverse("dossiers:register"), {"unit": cast.unit.pk}).content.decode()
    assert line.nominee.full_name in page
    page = client.get(reverse("dossiers:register"), {"unit": cast.other_unit.pk}).content.decode()
    assert line.nominee.full_name not in page
    login(client, cast.officer2)
    assert line.nominee.full_name not in client.get(reverse("dossiers:register")).content.decode()
    assert client.get(reverse("dossiers:nominee", args=[line.nominee_id])).status_code == 404
    login(client, cast.officer)
    page = client.get(reverse("dossiers:nominee", args=[line.nominee_id])).content.decode()
    assert "123/QĐ-UBND" in page


def test_search_folds_vietnamese_capitals_on_every_database(client, cast):
    """«đức» finds «Đinh Minh Đức», «ánh» finds «Lê Thị Ánh»: on SQLite too, whose own LIKE folds only A–Z
    (workflows/sqlite_text.py); the dossier list (web and API) and the award register."""
    dossier = ready_dossier(cast)
    line = dossier.lines.get()
    type(line.nominee).objects.filter(pk=line.nominee_id).update(full_name="Đinh Minh Đức")
    login(client, cast.board)
    for query, found in (("đức", True), ("ĐỨC", True), ("đinh minh", True), ("duc", False)):
        page = client.get(reverse("dossiers:list"), {"q": query}).content.decode()
        assert (dossier.title in page) is found, query
        rows = client.get("/api/v1/dossiers/", {"q": query}).json()["results"]
        assert (dossier.pk in [row["id"] for row in rows]) is found, query
