"""DJANGO_ACCEL_REDIRECT=1: the document download view still checks who may read the file, and only then
hands the sending to nginx with X-Accel-Redirect; off, the view streams the file itself."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.dossiers.helpers import ready_dossier


@pytest.fixture
def document(cast):
    return ready_dossier(cast).documents.first()


def test_with_accel_redirect_nginx_sends_the_bytes(client, cast, document, settings):
    settings.ACCEL_REDIRECT = True
    settings.ACCEL_REDIRECT_LOCATION = "/_protected_media/"
    client.force_login(cast.officer)
    response = client.get(reverse("dossiers:document", args=[document.pk]))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/_protected_media/{document.file.name}"
    assert response.content == b""
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"].startswith("attachment;")
        and ".pdf" in response["Content-Disposition"]
    )
    assert response["X-Content-Type-Options"] == "nosniff"


def test_with_accel_redirect_another_units_officer_still_gets_404(client, cast, document, settings):
    settings.ACCEL_REDIRECT = True
    client.force_login(cast.officer2)
    response = client.get(reverse("dossiers:document", args=[document.pk]))
    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response


def test_without_accel_redirect_the_view_streams_the_file(client, cast, document, settings):
    settings.ACCEL_REDIRECT = False
    client.force_login(cast.officer)
    response = client.get(reverse("dossiers:document", args=[document.pk]))
    assert response.status_code == 200 and "X-Accel-Redirect" not in response
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
