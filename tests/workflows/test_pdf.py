"""The one PDF renderer (workflows/pdf.py): the Decree 30 date text, the header from settings, the layout
(motto on one line, page numbers from page 2, the signature block kept together), the shipped fonts only,
and a URL fetcher that serves the fonts and nothing else."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tests import pdf_checks
from workflows import pdf
from workflows.pdf import RefusedURL, Signature, decree30_date, decree30_header, render_pdf

ROOT = Path(__file__).resolve().parents[2]

#: A document on the shared layout: the header, `filler` of blank height, `paragraphs` paragraphs of text,
#: the signature block, and resources the fetcher must refuse.
SAMPLE = """{% extends "workflows/pdf/_decree30.html" %}
{% block body %}{% include "workflows/pdf/_header.html" %}
<div class="d30-kind">Quyết định</div><div class="d30-summary">Về việc thử bố cục</div>
<img src="http://127.0.0.1:9/logo.png" alt=""><img src="file:///etc/passwd" alt="">
<div style="height: {{ filler }}mm"></div>
{% for n in paragraphs %}<p>Đoạn {{ n }}: Điều khoản thi hành, trách nhiệm của các cơ quan, đơn vị có liên quan.</p>{% endfor %}
{% include "workflows/pdf/_signature.html" %}
{% endblock %}"""


@pytest.fixture
def sample(settings):
    """render(filler=mm, paragraphs=n) → the PDF bytes of SAMPLE."""
    settings.TEMPLATES = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [ROOT / "templates"],
            "OPTIONS": {
                "loaders": [
                    ("django.template.loaders.locmem.Loader", {"test/sample.html": SAMPLE}),
                    "django.template.loaders.filesystem.Loader",
                ],
            },
        }
    ]

    def render(*, filler=0, paragraphs=3, day=date(2023, 3, 5)):
        return render_pdf(
            "test/sample.html",
            {
                "header": decree30_header(day=day, number="15/QĐ-UBND"),
                "filler": filler,
                "paragraphs": range(1, paragraphs + 1),
                "recipients": ["Như Điều 3", "Lưu: VT"],
                "signature": Signature(forms=("KT. CHỦ TỊCH",), title="PHÓ CHỦ TỊCH", name="Trần Văn Ký"),
            },
        )

    return render


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2023, 3, 5), "ngày 05 tháng 3 năm 2023"),
        (date(2024, 1, 9), "ngày 09 tháng 01 năm 2024"),
        (date(2024, 2, 15), "ngày 15 tháng 02 năm 2024"),
        (date(2024, 10, 1), "ngày 01 tháng 10 năm 2024"),
        (date(2024, 12, 20), "ngày 20 tháng 12 năm 2024"),
        (date(2025, 9, 30), "ngày 30 tháng 9 năm 2025"),
    ],
)
def test_dates_are_written_as_decree_30_writes_them(day, text):
    """Days below 10 and the months 1 and 2 take a leading zero; the other months do not."""
    assert decree30_date(day) == text


def test_the_header_names_the_committee_from_settings(settings):
    settings.ISSUING_BODY = {"superior": "Ủy ban nhân dân", "name": "tỉnh Đồng Tháp"}
    settings.ISSUING_PLACE = "Đồng Tháp"
    committee = decree30_header(day=date(2024, 2, 1), blank_number="/QĐ-UBND")
    assert committee["superior_lines"] == [] and committee["issuer_lines"] == [
        "ỦY BAN NHÂN DÂN",
        "TỈNH ĐỒNG THÁP",
    ]
    assert committee["place"] == "Đồng Tháp" and committee["date_text"] == "ngày 01 tháng 02 năm 2024"
    assert committee["number_line"] == f"Số: {pdf.BLANK_NUMBER}/QĐ-UBND"
    council = decree30_header(day=date(2024, 2, 1), issuer="Hội đồng Thi đua - Khen thưởng", place="Sa Đéc")
    assert council["superior_lines"] == ["ỦY BAN NHÂN DÂN", "TỈNH ĐỒNG THÁP"]
    assert council["issuer_lines"] == ["HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG"] and council["place"] == "Sa Đéc"


def test_the_issuing_body_and_place_are_read_from_the_environment():
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "DJANGO_ISSUING_BODY_SUPERIOR": "Ủy ban nhân dân",
        "DJANGO_ISSUING_BODY_NAME": "thành phố Huế",
        "DJANGO_ISSUING_PLACE": "Huế",
    }
    code = (
        "from django.conf import settings; print(settings.ISSUING_BODY['name'], '|', settings.ISSUING_PLACE)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, check=True, timeout=60
    )
    assert result.stdout.decode().strip() == "thành phố Huế | Huế"
    assert django_settings.ISSUING_PLACE == "Cần Thơ"  # the default of this test run


def test_the_fetcher_serves_the_shipped_fonts_only(tmp_path):
    fetcher = pdf.url_fetcher()
    regular = pdf.fonts_dir() / "LiberationSerif-Regular.ttf"
    response = fetcher.fetch(regular.as_uri())
    assert response.read() == regular.read_bytes()
    response.close()
    outside = tmp_path / "LiberationSerif-Regular.ttf"
    outside.write_bytes(regular.read_bytes())
    for url in (
        "http://127.0.0.1:9/font.ttf",
        "https://fonts.example.com/LiberationSerif-Regular.ttf",
        "file:///etc/passwd",
        f"{pdf.fonts_dir().as_uri()}/../../project/settings.py",
        f"{pdf.fonts_dir().as_uri()}/LICENSE",
        outside.as_uri(),
        "file://other-host/etc/passwd",
        "data:text/css,body{}",
        "ftp://127.0.0.1/x.ttf",
    ):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)


def test_a_document_embeds_the_shipped_fonts_and_fetches_nothing_else(sample, monkeypatch):
    asked = []
    allowed = pdf._allowed_path

    def recording(url):
        asked.append(url)
        return allowed(url)

    monkeypatch.setattr(pdf, "_allowed_path", recording)
    content = sample()
    pdf_checks.assert_only_shipped_fonts(content)
    faces = {row["name"] for row in pdf_checks.fonts(content)}
    assert {"Liberation-Serif", "Liberation-Serif-Bold", "Liberation-Serif-Italic"} <= faces
    assert "http://127.0.0.1:9/logo.png" in asked and "file:///etc/passwd" in asked  # asked, and refused
    assert all(url.startswith(pdf.fonts_dir().as_uri()) for url in asked if url.endswith(".ttf"))


def test_the_national_title_and_the_motto_each_stand_on_one_line(sample):
    content = sample()
    pdf_checks.assert_decree30_header(content, "Cần Thơ, ngày 05 tháng 3 năm 2023")
    first = pdf_checks.text(content, 1).splitlines()
    country = next(index for index, line in enumerate(first) if pdf_checks.COUNTRY in line)
    assert pdf_checks.MOTTO in first[country + 1]  # directly under it
    assert "ỦY BAN NHÂN DÂN" in first[country] and "THÀNH PHỐ CẦN THƠ" in first[country + 1]
    assert "Số: 15/QĐ-UBND" in pdf_checks.words(content)


def test_page_numbers_start_on_page_two_at_the_top(sample):
    content = sample(paragraphs=25)
    assert pdf_checks.page_count(content) == 2
    first, second = pdf_checks.top_lines(content, 1), pdf_checks.top_lines(content, 2)
    assert first[0].startswith("ỦY BAN NHÂN DÂN") and not any(line == "1" for line in first)
    assert second[0] == "2"


def test_the_signature_block_is_kept_on_one_page(sample):
    content = sample(filler=190, paragraphs=1)  # the block would start at the foot of page 1
    assert pdf_checks.page_count(content) == 2
    first, second = pdf_checks.words(content, 1), pdf_checks.words(content, 2)
    for part in ("Nơi nhận:", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Trần Văn Ký"):
        assert part not in first and part in second
