"""The innovation certificate on the one PDF renderer (workflows/pdf.py): the shipped fonts only, the Decree 30
header with the innovation council under the committee of settings, one landscape page, signed TM. HỘI ĐỒNG."""

import os
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests import pdf_checks
from workflows.pdf import decree30_date

from .test_results_certificates import cast, recognised  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def _certificate(user, initiative):
    client = Client()
    client.force_login(user)
    author = initiative.authors.get(full_name="Nguyễn Thị Hồng Nhung")
    response = client.get(reverse("innovation:certificate_download", args=[initiative.pk, author.pk]))
    assert response.status_code == 200
    if directory := os.environ.get("PDF_DUMP_DIR"):  # to look at it: pdftoppm -png -r 60
        Path(directory).mkdir(parents=True, exist_ok=True)
        (Path(directory) / "certificate.pdf").write_bytes(response.content)
    return response.content


def test_the_certificate_has_the_shipped_fonts_and_the_decree_30_header(cast, recognised):  # noqa: F811
    round_, initiative = recognised
    content = _certificate(cast.board, initiative)
    pdf_checks.assert_only_shipped_fonts(content)
    day = round_.session.resolution_issued_on
    pdf_checks.assert_decree30_header(content, f"Cần Thơ, {decree30_date(day)}")
    assert pdf_checks.page_count(content) == 1
    words = pdf_checks.words(content)
    council = round_.council_term.council.name.upper()
    assert f"ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ {council}" in words
    assert "GIẤY CHỨNG NHẬN SÁNG KIẾN" in words and "Nguyễn Thị Hồng Nhung" in words
    assert "/GCN" in words and "TM. HỘI ĐỒNG CHỦ TỊCH" in words


def test_the_certificate_takes_the_body_and_place_from_settings(cast, recognised, settings):  # noqa: F811
    settings.ISSUING_BODY = {"superior": "Ủy ban nhân dân", "name": "tỉnh Hậu Giang"}
    settings.ISSUING_PLACE = "Vị Thanh"
    round_, initiative = recognised
    words = pdf_checks.words(_certificate(cast.board, initiative))
    assert "ỦY BAN NHÂN DÂN TỈNH HẬU GIANG" in words
    assert f"Vị Thanh, {decree30_date(round_.session.resolution_issued_on)}" in words
    assert "Cần Thơ" not in words.replace(round_.council_term.council.name, "")
