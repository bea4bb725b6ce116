"""Hostile uploads and input on the dossier: refused with a clear Vietnamese message, nothing stored (no row,
no file on disk), the rest of the user's input kept, script in text escaped on output."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from dossiers.models import Dossier, DossierDocument
from tests.pdfs import pdf_bytes
from workflows import uploads

from .world import build_world

PDF = pdf_bytes(b"noi dung")
HOSTILE = {
    "not a PDF behind a .pdf name": ("ho-so.pdf", b"MZ\x90\x00 this is an executable", "không phải PDF"),
    "empty file": ("trong.pdf", b"", "Tệp rỗng"),
    "oversized": ("lon.pdf", PDF + b"0" * 2048, "vượt quá dung lượng"),
}


@pytest.fixture
def world(db, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    world = build_world(with_votes=False)
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 1024)  # "oversized" without a 10 MB body
    return world


def _stored(tmp_path):
    return sorted(p.name for p in tmp_path.rglob("*") if p.is_file())


@pytest.mark.parametrize("case", HOSTILE)
def test_api_upload_refused_and_nothing_stored(world, tmp_path, case):
    name, content, message = HOSTILE[case]
    dossier = world.objects["dossier"]
    rows, files = DossierDocument.objects.count(), _stored(tmp_path)
    client = APIClient()
    client.force_authenticate(world.users["unit_a"])
    response = client.post(
        reverse("dossier-upload", args=[dossier.pk]),
        {"kind": "submission_letter", "file": SimpleUploadedFile(name, content)},
        format="multipart",
    )
    assert response.status_code == 400, response.content
    assert message in " ".join(response.json()["errors"]["file"])
    assert DossierDocument.objects.count() == rows and _stored(tmp_path) == files


@pytest.mark.parametrize("case", HOSTILE)
def test_web_upload_refused_with_the_message_and_nothing_stored(world, tmp_path, case):
    name, content, message = HOSTILE[case]
    dossier = world.objects["dossier"]
    rows, files = DossierDocument.objects.count(), _stored(tmp_path)
    client = Client()
    client.force_login(world.users["unit_a"])
    response = client.post(
        reverse("dossiers:detail", args=[dossier.pk]),
        {"upload": "1", "upload-kind": "submission_letter", "upload-file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code in (200, 400)
    page = response.content.decode()
    # Django's own file field refuses an empty upload before the service does, in its own words
    assert message in page or (case == "empty file" and "rỗng" in page), page[page.find("<main") :][:3000]
    assert DossierDocument.objects.count() == rows and _stored(tmp_path) == files


def test_path_tricks_in_the_file_name_never_reach_the_disk(world, tmp_path):
    dossier = world.objects["dossier"]
    client = APIClient()
    client.force_authenticate(world.users["unit_a"])
    response = client.post(
        reverse("dossier-upload", args=[dossier.pk]),
        {"kind": "submission_letter", "file": SimpleUploadedFile("../../../etc/x.pdf", PDF)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    document = DossierDocument.objects.get(pk=response.json()["id"])
    assert ".." not in document.original_name and "/" not in document.original_name
    stored = (tmp_path / document.file.name).resolve()
    assert stored.is_relative_to(tmp_path.resolve()) and stored.exists()
    assert not (tmp_path.parent.parent / "etc" / "x.pdf").exists()


def test_api_input_over_long_wrong_types_and_bad_dates_get_field_errors(world):
    client = APIClient()
    client.force_authenticate(world.users["unit_a"])
    unit = world.objects["unit_a"]
    response = client.post(
        reverse("dossier-list"), {"unit": "abc", "year": "năm ngoái", "title": "x" * 5000}, format="json"
    )
    assert response.status_code == 400
    assert {"unit", "year", "title"} <= set(response.json()["errors"])
    response = client.post(reverse("session-list"), {"planned_on": "2023-02-30"}, format="json")
    assert response.status_code == 400 and "planned_on" in response.json()["errors"]
    assert not Dossier.objects.filter(title__startswith="xxxx", unit=unit).exists()


def test_script_in_a_title_is_escaped_and_the_form_keeps_the_other_input(world):
    client = Client()
    client.force_login(world.users["unit_a"])
    script = '<script>alert("x")</script>'
    response = client.post(
        reverse("dossiers:create"), {"title": script, "year": "hai nghìn", "occasion": "annual"}
    )
    assert response.status_code in (200, 400)
    page = response.content.decode()
    assert script not in page and "&lt;script&gt;" in page  # kept, escaped
    assert "Dossier" not in page  # no traceback
    client2 = APIClient()
    client2.force_authenticate(world.users["unit_a"])
    created = client2.post(
        reverse("dossier-list"),
        {"unit": world.objects["unit_a"].pk, "year": 2023, "title": script},
        format="json",
    )
    assert created.status_code == 201, created.content
    detail = client.get(reverse("dossiers:detail", args=[created.json()["id"]])).content.decode()
    assert script not in detail and "&lt;script&gt;alert" in detail
