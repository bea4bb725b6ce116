"""The council's minutes and tally report as PDFs (councils/documents.py): the Decree 30 layout of workflows/pdf,
the shipped fonts only, page numbers from page 2, the place from the council's rule or from settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from councils import services
from councils.models import CouncilRule
from tests import pdf_checks
from workflows import engine
from workflows.names import full_name
from workflows.pdf import decree30_date

from .conftest import MEETING_DAY, start_voting

pytestmark = pytest.mark.django_db


def _dump(name: str, content: bytes) -> None:
    """PDF_DUMP_DIR=/tmp/pdfs keeps the generated documents, to look at them (pdftoppm -png -r 60)."""
    if directory := os.environ.get("PDF_DUMP_DIR"):
        Path(directory).mkdir(parents=True, exist_ok=True)
        (Path(directory) / name).write_bytes(content)


def _voted_session(c, session_for):
    session = start_voting(session_for(c), c)
    for member in c.voters:
        services.ballot_cast(item=session.items.get(), choice="agree", actor=member)
    services.session_close_voting(session=session, user=c.secretary)
    session.refresh_from_db()
    return session


def test_minutes_and_tally_of_a_full_council(client, council, session_for):
    c = council(size=21)
    session = _voted_session(c, session_for)
    engine.perform(session, "draft_minutes", user=c.secretary, data={"minutes_number": "07/BB-HĐTĐKT"})
    engine.perform(session, "sign_minutes", user=c.chair)
    session.refresh_from_db()
    client.force_login(c.secretary)

    minutes = client.get(f"/hoi-dong/phien/{session.pk}/bien-ban-hop.pdf").content
    _dump("minutes.pdf", minutes)
    pdf_checks.assert_only_shipped_fonts(minutes)
    pdf_checks.assert_decree30_header(minutes, f"Cần Thơ, {decree30_date(session.minutes_signed_on)}")
    words = pdf_checks.words(minutes)
    council_name = session.council_term.council.name.upper()
    assert f"ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ {council_name}" in words
    assert "Số: 07/BB-HĐTĐKT" in words and "BIÊN BẢN HỌP" in words
    assert "THƯ KÝ (Ký, ghi rõ họ tên)" in words
    assert f"CHỦ TRÌ (Ký, ghi rõ họ tên) {full_name(c.chair)}" in words
    # 21 members and the results take two pages: no number on the first, "2" at the top of the second.
    assert pdf_checks.page_count(minutes) == 2
    assert pdf_checks.top_lines(minutes, 1)[0] != "1"
    assert pdf_checks.top_lines(minutes, 1)[0].startswith("ỦY BAN NHÂN DÂN")
    assert pdf_checks.top_lines(minutes, 2)[0] == "2"

    tally = client.get(f"/hoi-dong/phien/{session.pk}/bien-ban-kiem-phieu.pdf").content
    _dump("tally.pdf", tally)
    pdf_checks.assert_only_shipped_fonts(tally)
    pdf_checks.assert_decree30_header(tally, decree30_date(session.minutes_signed_on))
    words = pdf_checks.words(tally)
    assert "(Kèm theo Biên bản họp số 07/BB-HĐTĐKT)" in words and "BIÊN BẢN KIỂM PHIẾU" in words
    assert "Số: 07/BB-HĐTĐKT" not in words
    assert "21/21 đồng ý = 100,0 % ≥ 90 % → đạt" in words


def test_the_place_comes_from_the_council_rule_else_from_settings(client, council, session_for, settings):
    settings.ISSUING_BODY = {"superior": "Ủy ban nhân dân", "name": "tỉnh Vĩnh Long"}
    settings.ISSUING_PLACE = "Vĩnh Long"
    c = council(size=4)
    session = _voted_session(c, session_for)
    client.force_login(c.secretary)
    minutes = client.get(f"/hoi-dong/phien/{session.pk}/bien-ban-hop.pdf").content
    words = pdf_checks.words(minutes)
    assert f"Vĩnh Long, {decree30_date(MEETING_DAY)}" in words and "Cần Thơ" not in words
    assert "ỦY BAN NHÂN DÂN TỈNH VĨNH LONG" in words
    assert "DỰ THẢO" in words  # voting closed, minutes not signed yet

    CouncilRule.objects.create(council=session.council_term.council, document_place="Trà Vinh")
    minutes = client.get(f"/hoi-dong/phien/{session.pk}/bien-ban-hop.pdf").content
    assert f"Trà Vinh, {decree30_date(MEETING_DAY)}" in pdf_checks.words(minutes)
