"""Request body limits (issue 12, item 10): a body over its limit is refused with 413 before any view (or the
CSRF check) reads it: a small limit for callers who are not signed in (the public comment form, the login, the
API token endpoint), a bigger one for signed-in uploads; JSON under /api/, a Vietnamese page elsewhere."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from dossiers import selectors, services
from dossiers.models import DossierDocument
from tests.pdfs import pdf_bytes
from workflows.models import Role

pytestmark = pytest.mark.django_db

MEGABYTE = b"x" * 2**20


@pytest.fixture
def view_never_runs(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the view ran on an oversized request")

    monkeypatch.setattr(selectors, "posted_lines", refuse)
    monkeypatch.setattr(services, "document_upload", refuse)


def test_an_anonymous_megabyte_to_the_public_comment_form_is_413(view_never_runs):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("dossiers:public"), {"line": "1", "c1-content": MEGABYTE.decode()})
    assert response.status_code == 413
    page = response.content.decode()
    assert "Dữ liệu gửi lên quá lớn" in page and "64 KB" in page


def test_an_anonymous_oversized_login_or_api_call_is_413(view_never_runs):
    login = Client().post(reverse("login"), {"username": "a", "password": "b" * 100_000})
    assert login.status_code == 413
    api = APIClient().post("/api/auth/token/", {"username": "a", "password": "b" * 100_000}, format="json")
    assert api.status_code == 413 and api.json()["code"] == "request_too_large"
    assert "quá lớn" in api.json()["detail"]
    bogus = APIClient()
    bogus.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")  # claiming a token does not raise the limit
    assert bogus.post("/api/dossiers/", {"title": "x" * 100_000}, format="json").status_code == 413


def test_a_small_anonymous_post_still_reaches_the_view():
    response = Client().post(reverse("login"), {"username": "khong-co", "password": "sai-mat-khau"})
    assert response.status_code == 200  # the login form again, with its error


@pytest.fixture
def officer_dossier(person, unit, settings, tmp_path):
    from dossiers import services as dossier_services

    settings.MEDIA_ROOT = tmp_path
    officer = person("b.officer", Role.UNIT_OFFICER, unit=unit)
    dossier = dossier_services.dossier_create(
        unit=unit, year=2023, occasion="annual", title="Đề nghị khen thưởng", user=officer
    )
    return officer, dossier


def test_an_oversized_upload_is_413_before_the_view(officer_dossier, settings, view_never_runs):
    officer, dossier = officer_dossier
    settings.REQUEST_MAX_UPLOAD_BYTES = 256 * 1024
    big = SimpleUploadedFile("lon.pdf", pdf_bytes() + b" " * (300 * 1024))
    web = Client()
    web.force_login(officer)
    response = web.post(
        reverse("dossiers:detail", args=[dossier.pk]),
        {"upload": "1", "upload-kind": "submission_letter", "upload-file": big},
    )
    assert response.status_code == 413 and "256 KB" in response.content.decode()
    api = APIClient()
    api.force_login(officer)
    big.seek(0)
    response = api.post(
        reverse("dossier-upload", args=[dossier.pk]),
        {"kind": "submission_letter", "file": big},
        format="multipart",
    )
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"
    assert not DossierDocument.objects.exists()


def test_a_signed_in_upload_under_the_limit_goes_through(officer_dossier, settings):
    officer, dossier = officer_dossier
    settings.REQUEST_MAX_UPLOAD_BYTES = 256 * 1024
    api = APIClient()
    api.force_login(officer)
    upload = SimpleUploadedFile("vua.pdf", pdf_bytes(b"y" * (100 * 1024)))  # over the anonymous limit
    response = api.post(
        reverse("dossier-upload", args=[dossier.pk]),
        {"kind": "submission_letter", "file": upload},
        format="multipart",
    )
    assert response.status_code == 201, response.content


def test_a_signed_in_non_upload_body_is_held_to_the_form_limit(officer_dossier, settings):
    officer, _dossier = officer_dossier
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 128 * 1024
    api = APIClient()
    api.force_login(officer)
    response = api.post("/api/dossiers/", {"title": "x" * (200 * 1024)}, format="json")
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"


def test_the_limits_come_from_the_environment(monkeypatch):
    import importlib

    import project.settings as project_settings

    monkeypatch.setenv("DJANGO_DEBUG", "1")
    monkeypatch.setenv("DJANGO_MAX_UPLOAD_MB", "7")
    monkeypatch.setenv("DJANGO_MAX_FORM_KB", "512")
    monkeypatch.setenv("DJANGO_MAX_ANONYMOUS_KB", "16")
    monkeypatch.setenv("DJANGO_IMPORT_MAX_UNZIPPED_MB", "20")
    reloaded = importlib.reload(project_settings)
    try:
        assert reloaded.REQUEST_MAX_UPLOAD_BYTES == 7 * 2**20
        assert reloaded.DATA_UPLOAD_MAX_MEMORY_SIZE == 512 * 1024
        assert reloaded.REQUEST_MAX_ANONYMOUS_BYTES == 16 * 1024
        assert reloaded.IMPORT_MAX_UNCOMPRESSED_BYTES == 20 * 2**20
        assert "project.middleware.RequestSizeLimitMiddleware" in reloaded.MIDDLEWARE
    finally:
        monkeypatch.undo()
        importlib.reload(project_settings)
