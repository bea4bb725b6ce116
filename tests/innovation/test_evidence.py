"""Evidence (minh chứng) PDFs on an initiative: real PDFs only, within the size limit, safe names, nothing stored
when refused, audited, and readable only by those who can view the initiative."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from innovation import services
from innovation.models import Evidence
from tests.pdfs import pdf_bytes
from workflows import engine, uploads
from workflows.audit import history_for

from .helpers import make_cast, open_round, pdf_upload, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(person):
    return make_cast(person)


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def stored_files(media):
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def test_unit_attaches_a_pdf_on_the_page_and_reads_it_back(cast, media):
    initiative = submit(cast, open_round(cast))
    client = signed_in(cast.officer)
    page = client.get(initiative.get_absolute_url()).content.decode()
    assert reverse("innovation:evidence_upload", args=[initiative.pk]) in page
    response = client.post(
        reverse("innovation:evidence_upload", args=[initiative.pk]),
        {"file": pdf_upload("../../etc/Báo cáo hiệu quả<script>.pdf"), "description": "Báo cáo áp dụng"},
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.original_name == "Báo cáo hiệu quả_script.pdf"
    assert evidence.size == len(pdf_bytes(b"noi dung minh chung")) and len(evidence.sha256) == 64
    [event] = [e for e in history_for(initiative) if e.verb == "evidence_upload"]
    assert event.actor == cast.officer and event.data["sha256"] == evidence.sha256
    assert len(stored_files(media)) == 1
    page = client.get(initiative.get_absolute_url()).content.decode()
    assert "Báo cáo hiệu quả_script.pdf" in page and "Báo cáo áp dụng" in page
    download = client.get(evidence.get_absolute_url())
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF-")
    assert signed_in(cast.board).get(evidence.get_absolute_url()).status_code == 200
    assert signed_in(cast.other_officer).get(evidence.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("anh.pdf", b"GIF89a not a pdf"), "Chỉ chấp nhận tệp PDF"),
        (SimpleUploadedFile("rong.pdf", b""), "Tệp rỗng"),
        (SimpleUploadedFile("lon.pdf", b"%PDF-1.4\n" + b"x" * 4096), "vượt quá dung lượng"),
    ],
)
def test_refused_files_are_explained_and_nothing_is_stored(cast, media, monkeypatch, upload, message):
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 2048)
    initiative = submit(cast, open_round(cast))
    response = signed_in(cast.officer).post(
        reverse("innovation:evidence_upload", args=[initiative.pk]),
        {"file": upload, "description": "Bản scan quyết định"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and 'value="Bản scan quyết định"' in html  # the typed description is kept
    assert not Evidence.objects.exists() and stored_files(media) == []
    assert not [e for e in history_for(initiative) if e.verb == "evidence_upload"]


def test_api_upload_refusals_and_listing(cast, api, media):
    initiative = submit(cast, open_round(cast))
    url = f"/api/initiatives/{initiative.pk}/evidence/"
    client = api(cast.officer)
    refused = client.post(url, {"file": SimpleUploadedFile("x.pdf", b"PK\x03\x04zip")}, format="multipart")
    assert refused.status_code == 400 and "Chỉ chấp nhận tệp PDF" in str(refused.json())
    missing = client.post(url, {"description": "thiếu tệp"}, format="multipart")
    assert missing.status_code == 400 and "Chọn tệp PDF" in str(missing.json())
    assert not Evidence.objects.exists() and stored_files(media) == []
    created = client.post(url, {"file": pdf_upload("quyet-dinh.pdf")}, format="multipart")
    assert created.status_code == 201 and created.json()["original_name"] == "quyet-dinh.pdf"
    assert [row["id"] for row in client.get(url).json()] == [Evidence.objects.get().pk]
    assert api(cast.other_officer).get(url).status_code == 404
    assert api(cast.other_officer).post(url, {"file": pdf_upload()}, format="multipart").status_code == 404
    assert Evidence.objects.count() == 1


def test_evidence_only_before_screening_and_only_by_the_submitting_unit_or_board(cast):
    round_ = open_round(cast)
    initiative = submit(cast, round_)
    with pytest.raises(engine.ActionForbidden):
        services.evidence_upload(initiative=initiative, upload=pdf_upload(), actor=cast.reviewers[0])
    services.evidence_upload(initiative=initiative, upload=pdf_upload(), actor=cast.board)
    engine.perform(round_, "close_submissions", user=cast.board)
    engine.perform(round_, "start_screening", user=cast.board)
    engine.perform(initiative, "screen", user=cast.board)
    with pytest.raises(engine.TransitionNotAllowed, match="trước khi sáng kiến qua rà soát"):
        services.evidence_upload(initiative=initiative, upload=pdf_upload(), actor=cast.officer)
    assert Evidence.objects.count() == 1


def test_safe_file_names():
    assert services.safe_file_name("C:\\Users\\a\\Tờ trình.PDF") == "Tờ trình.pdf"
    assert services.safe_file_name("../..") == "minh-chung.pdf"
    assert services.safe_file_name("a\x00b;rm -rf.pdf") == "ab_rm -rf.pdf"
    assert services.safe_file_name("bao-cao") == "bao-cao.pdf"
