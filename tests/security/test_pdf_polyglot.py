"""Hostile PDFs (issue 12, item 17): a file is a PDF only when pypdf can parse its structure; a polyglot (HTML
after the header, or after the final %%EOF), active content (JavaScript, launch actions, embedded files) or a
password is refused with a Vietnamese message through the web and API uploads of dossier documents and
initiative evidence, nothing stored; every stored and downloaded document is named .pdf, sent as
application/pdf, not sniffed."""

from io import BytesIO
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from dossiers.models import DossierDocument
from innovation.models import Evidence
from tests.pdfs import pdf_bytes
from workflows import uploads
from workflows.models import Role

pytestmark = pytest.mark.django_db

HTML = b"<html><body><script>fetch('/api/me/').then(r=>r.text()).then(alert)</script></body></html>"
#: Starts like a PDF, is really an HTML page: no PDF structure at all.
POLYGLOT = b"%PDF-1.4\n" + HTML + b"\n%%EOF\n"
#: A real PDF (longer than the sniffed first kilobyte) with an HTML page glued after its end.
TRAILING = pdf_bytes(b"x" * 2000) + HTML
HOSTILE = {
    "HTML after the header": (POLYGLOT, "tệp chứa mã HTML"),
    "HTML after %%EOF": (TRAILING, "dữ liệu lạ sau phần kết thúc"),
    "JavaScript on open": (
        pdf_bytes(extra_catalog=b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
        "mã thực thi",
    ),
    "launch action": (pdf_bytes(extra_catalog=b"/OpenAction << /S /Launch /F (cmd.exe) >>"), "mã thực thi"),
    "embedded file": (pdf_bytes(extra_catalog=b"/Names << /EmbeddedFiles << /Names [] >> >>"), "đính kèm"),
    "hex-escaped JavaScript name": (
        pdf_bytes(extra_catalog=b"/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>"),
        "mã thực thi",
    ),
    "no pages": (pdf_bytes(pages=0), "không có trang"),
    "broken structure": (b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n%%EOF\n", "không đọc được cấu trúc"),
}


def _encrypted() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password="bi-mat", owner_password="chu", algorithm="RC4-128")
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("case", HOSTILE)
def test_check_pdf_refuses_polyglots_and_active_content(case):
    content, message = HOSTILE[case]
    with pytest.raises(ValidationError) as refused:
        uploads.read_pdf(SimpleUploadedFile("x.pdf", content))
    assert message in " ".join(refused.value.messages)


def test_password_protected_and_oversized_page_counts_are_refused(monkeypatch):
    with pytest.raises(ValidationError, match="mật khẩu"):
        uploads.check_pdf(_encrypted())
    monkeypatch.setattr(uploads, "MAX_PDF_PAGES", 2)
    with pytest.raises(ValidationError, match="quá 2 trang"):
        uploads.check_pdf(pdf_bytes(pages=3))
    monkeypatch.setattr(uploads, "MAX_PDF_OBJECTS", 3)  # the walk for active content is bounded
    with pytest.raises(ValidationError, match="không đọc được cấu trúc"):
        uploads.check_pdf(pdf_bytes(pages=1))


def test_real_pdfs_are_accepted():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = BytesIO()
    writer.write(buffer)
    for content in (pdf_bytes(), pdf_bytes(b"y" * 5000, pages=4), buffer.getvalue(), pdf_bytes() + b"\r\n\n"):
        uploads.check_pdf(content)


def test_upload_names_always_end_in_pdf():
    assert uploads.pdf_name("trang.html") == "trang.html.pdf"
    assert uploads.pdf_name("../../x/<b>Báo cáo.PDF") == "b_Báo cáo.pdf"
    assert (
        uploads.pdf_name("") == "tai-lieu.pdf"
        and uploads.pdf_name("...", "minh-chung.pdf") == "minh-chung.pdf"
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _stored(media):
    return sorted(p.name for p in media.rglob("*") if p.is_file()) if media.exists() else []


@pytest.fixture
def dossier(person, unit, media):
    from dossiers import services

    officer = person("p.officer", Role.UNIT_OFFICER, unit=unit)
    draft = services.dossier_create(
        unit=unit, year=2023, occasion="annual", title="Đề nghị khen thưởng", user=officer
    )
    return SimpleNamespace(dossier=draft, officer=officer)


@pytest.fixture
def initiative(person, media):
    from tests.innovation.helpers import make_cast, open_round, submit

    cast = make_cast(person, reviewers=1, members=1)
    return SimpleNamespace(initiative=submit(cast, open_round(cast)), officer=cast.officer)


def _web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _dossier_upload(channel, world, name, content):
    url_pk = world.dossier.pk
    if channel == "web":
        return _web(world.officer).post(
            reverse("dossiers:detail", args=[url_pk]),
            {
                "upload": "1",
                "upload-kind": "submission_letter",
                "upload-file": SimpleUploadedFile(name, content),
            },
        )
    return _api(world.officer).post(
        reverse("dossier-upload", args=[url_pk]),
        {"kind": "submission_letter", "file": SimpleUploadedFile(name, content)},
        format="multipart",
    )


def _evidence_upload(channel, world, name, content):
    file = SimpleUploadedFile(name, content)
    if channel == "web":
        return _web(world.officer).post(
            reverse("innovation:evidence_upload", args=[world.initiative.pk]),
            {"file": file, "description": "Minh chứng"},
        )
    return _api(world.officer).post(
        f"/api/initiatives/{world.initiative.pk}/evidence/", {"file": file}, format="multipart"
    )


@pytest.mark.parametrize("channel", ["web", "api"])
@pytest.mark.parametrize("case", ["HTML after the header", "HTML after %%EOF", "JavaScript on open"])
def test_dossier_upload_refuses_a_polyglot_and_stores_nothing(dossier, media, channel, case):
    content, message = HOSTILE[case]
    response = _dossier_upload(channel, dossier, "trang.html", content)
    assert response.status_code == 400, response.content[:500]
    text = response.content.decode() if channel == "web" else " ".join(response.json()["errors"]["file"])
    assert message in text
    assert not DossierDocument.objects.exists() and _stored(media) == []


@pytest.mark.parametrize("channel", ["web", "api"])
@pytest.mark.parametrize("case", ["HTML after the header", "HTML after %%EOF", "embedded file"])
def test_evidence_upload_refuses_a_polyglot_and_stores_nothing(initiative, media, channel, case):
    content, message = HOSTILE[case]
    response = _evidence_upload(channel, initiative, "trang.html", content)
    assert response.status_code == 400, response.content[:500]
    text = response.content.decode() if channel == "web" else " ".join(response.json()["errors"]["file"])
    assert message in text
    assert not Evidence.objects.exists() and _stored(media) == []


def _assert_safe_download(response, name: str):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    # no script runs even if a browser renders the file in our origin
    assert response["Content-Security-Policy"].startswith("sandbox")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and f'filename="{name}"' in disposition, disposition
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_a_pdf_named_html_is_stored_and_downloaded_as_pdf(dossier, initiative):
    response = _dossier_upload("api", dossier, "trang.html", pdf_bytes())
    assert response.status_code == 201, response.content
    document = DossierDocument.objects.get()
    assert document.original_name == "trang.html.pdf" and document.file.name.endswith(".pdf")
    download = _web(dossier.officer).get(reverse("dossiers:document", args=[document.pk]))
    _assert_safe_download(download, "trang.html.pdf")
    # a name stored before the fix is still sent as .pdf
    DossierDocument.objects.filter(pk=document.pk).update(original_name='x".html')
    download = _web(dossier.officer).get(reverse("dossiers:document", args=[document.pk]))
    _assert_safe_download(download, "x_.html.pdf")

    response = _evidence_upload("web", initiative, "minh-chung.htm", pdf_bytes())
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.original_name == "minh-chung.htm.pdf"
    Evidence.objects.filter(pk=evidence.pk).update(original_name="cu.html")
    download = _web(initiative.officer).get(reverse("innovation:evidence_download", args=[evidence.pk]))
    _assert_safe_download(download, "cu.html.pdf")


def test_plan_evidence_refuses_a_polyglot():
    from plan.lifecycle import validate_pdf

    with pytest.raises(ValidationError, match="mã HTML"):
        validate_pdf(SimpleUploadedFile("bao-cao.pdf", POLYGLOT))
    validate_pdf(SimpleUploadedFile("bao-cao.pdf", pdf_bytes()))
