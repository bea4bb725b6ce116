"""The results list in Excel (web and API) and the certificates: one PDF per author of a recognised initiative,
issued through the engine (initiative and round), downloadable only by those who can view the initiative."""

from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from innovation.models import InitiativeState, RoundState
from workflows import engine
from workflows.audit import history_for

from .helpers import make_cast, open_round, recognise, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(person):
    return make_cast(person, reviewers=2)


@pytest.fixture
def recognised(cast):
    round_ = open_round(cast)
    initiative = submit(
        cast,
        round_,
        title="Ứng dụng trí tuệ nhân tạo trong phân loại rác thải",
        authors=[
            {"full_name": "Nguyễn Thị Hồng Nhung", "unit": cast.unit, "share": "62.5"},
            {"full_name": "Trương Quốc Việt", "unit": cast.unit, "share": "37.5"},
        ],
    )
    recognise(cast, round_, [initiative])
    initiative.refresh_from_db()
    round_.refresh_from_db()
    assert initiative.state == InitiativeState.RECOGNISED
    return round_, initiative


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


def test_results_excel_from_the_page_and_the_api(cast, api, recognised):
    round_, initiative = recognised
    response = signed_in(cast.board).get(reverse("innovation:round_results_excel", args=[round_.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    sheet = load_workbook(BytesIO(response.content)).active
    assert round_.title.upper() in sheet["A1"].value
    assert [cell.value for cell in sheet[4]][:3] == ["Hạng", "Tên sáng kiến", "Đơn vị"]
    row = [cell.value for cell in sheet[5]]
    assert row[0] == 1 and row[1] == initiative.title and row[2] == cast.unit.name
    assert row[3] == "Nguyễn Thị Hồng Nhung (62,5 %); Trương Quốc Việt (37,5 %)"
    assert row[5] == 80.0 and row[8] == "Được công nhận" and row[9] == "Thành phố"
    via_api = api(cast.board).get(f"/api/rounds/{round_.pk}/results-xlsx/")
    assert via_api.status_code == 200
    assert [c.value for c in load_workbook(BytesIO(via_api.content)).active[5]] == row
    # Before publication only the Board and the council's members read the results.
    assert (
        signed_in(cast.other_officer)
        .get(reverse("innovation:round_results_excel", args=[round_.pk]))
        .status_code
        == 404
    )
    assert api(cast.other_officer).get(f"/api/rounds/{round_.pk}/results-xlsx/").status_code == 403


def test_a_certificate_per_author_with_name_share_scope_and_decision(cast, recognised):
    round_, initiative = recognised
    board = signed_in(cast.board)
    page = board.get(initiative.get_absolute_url()).content.decode()
    for author in initiative.authors.all():
        url = reverse("innovation:certificate_download", args=[initiative.pk, author.pk])
        assert url in page
        response = board.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-") and len(response.content) > 5000
        text = pdf_text(response.content)
        assert author.full_name in text
        assert f"{author.share.normalize():f}".replace(".", ",") + " %" in text
        assert "GIẤY CHỨNG NHẬN SÁNG KIẾN" in text and "Thành phố" in text
        assert "06/QĐ-HĐSK" in text and round_.session.resolution_issued_on.strftime("%d/%m/%Y") in text
        assert "Ứng dụng trí tuệ nhân tạo" in text and "Đợt 1 năm 2023" in text
    assert "Trương Quốc Việt" not in pdf_text(
        board.get(
            reverse(
                "innovation:certificate_download",
                args=[initiative.pk, initiative.authors.get(full_name="Nguyễn Thị Hồng Nhung").pk],
            )
        ).content
    )


def test_certificates_are_issued_through_the_engine_and_then_open_to_the_unit(cast, api, recognised):
    round_, initiative = recognised
    author = initiative.authors.first()
    url = reverse("innovation:certificate_download", args=[initiative.pk, author.pk])
    officer = signed_in(cast.officer)
    assert officer.get(url).status_code == 404  # not issued yet
    with pytest.raises(engine.TransitionNotAllowed, match="Đã công bố kết quả|đang ở trạng thái"):
        engine.perform(initiative, "issue_certificate", user=cast.board)
    engine.perform(round_, "publish_results", user=cast.board)
    with pytest.raises(engine.ActionForbidden):
        engine.perform(round_, "issue_certificates", user=cast.officer)
    engine.perform(round_, "issue_certificates", user=cast.board)
    round_.refresh_from_db()
    initiative.refresh_from_db()
    assert round_.state == RoundState.CERTIFICATES_ISSUED and initiative.state == InitiativeState.CERTIFIED
    [event] = [e for e in history_for(initiative) if e.verb == "issue_certificate"]
    assert event.actor == cast.board and event.target_state == "certified"
    response = officer.get(url)
    assert response.status_code == 200 and author.full_name in pdf_text(response.content)
    assert (
        api(cast.officer).get(f"/api/initiatives/{initiative.pk}/certificates/{author.pk}/").status_code
        == 200
    )
    # Another unit reads the published initiative but not its authors' certificates.
    other = signed_in(cast.other_officer)
    assert other.get(initiative.get_absolute_url()).status_code == 200
    assert url not in other.get(initiative.get_absolute_url()).content.decode()
    assert other.get(url).status_code == 404
    assert (
        api(cast.other_officer).get(f"/api/initiatives/{initiative.pk}/certificates/{author.pk}/").status_code
        == 404
    )


def test_another_unit_gets_404_before_publication(cast, api, recognised):
    _round, initiative = recognised
    author = initiative.authors.first()
    other = signed_in(cast.other_officer)
    assert other.get(initiative.get_absolute_url()).status_code == 404
    assert (
        other.get(reverse("innovation:certificate_download", args=[initiative.pk, author.pk])).status_code
        == 404
    )
    assert (
        api(cast.other_officer).get(f"/api/initiatives/{initiative.pk}/certificates/{author.pk}/").status_code
        == 404
    )
