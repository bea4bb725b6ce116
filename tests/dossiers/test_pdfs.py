"""The dossier's PDFs (dossiers/exports.py): the chairman's decision for the awards the city decides, the city's
tờ trình for the state-level awards it can only propose; both laid out per Decree 30 with the shipped fonts."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import pdf_checks
from workflows import engine
from workflows.audit import SYSTEM
from workflows.models import Role
from workflows.names import full_name
from workflows.services import delegation_create

from .consultation_helpers import consult_all
from .helpers import end_posting, ready_dossier, walk_to

pytestmark = pytest.mark.django_db


def _get(client, user, name, dossier):
    client.force_login(user)
    return client.get(reverse(f"dossiers:{name}", args=[dossier.pk]))


def _dump(name: str, content: bytes) -> None:
    """PDF_DUMP_DIR=/tmp/pdfs keeps the generated documents, to look at them (pdftoppm -png -r 60)."""
    if directory := os.environ.get("PDF_DUMP_DIR"):
        Path(directory).mkdir(parents=True, exist_ok=True)
        (Path(directory) / name).write_bytes(content)


def test_a_city_award_is_decided_a_state_award_is_proposed(client, cast):
    dossier = ready_dossier(cast, lines=(("bk-tp", None), ("cstd-tq", None)))
    walk_to(cast, dossier, "posted")
    end_posting(dossier)
    city, central = dossier.lines.order_by("position")

    draft = _get(client, cast.chairman, "decision_pdf", dossier)
    _dump("decision_draft.pdf", draft.content)
    assert draft.status_code == 200 and 'filename="du-thao-quyet-dinh-' in draft["Content-Disposition"]
    pdf_checks.assert_only_shipped_fonts(draft.content)
    words = pdf_checks.words(draft.content)
    assert "QUYẾT ĐỊNH" in words and "DỰ THẢO" in words
    assert "Về việc khen thưởng theo đề nghị của" in words
    assert city.nominee.full_name in words and central.nominee.full_name not in words
    assert "TỜ TRÌNH" not in words and "Đề nghị cấp có thẩm quyền" not in words

    proposal = _get(client, cast.chairman, "proposal_pdf", dossier)
    assert proposal.status_code == 200 and 'filename="du-thao-to-trinh-' in proposal["Content-Disposition"]
    _dump("proposal_draft.pdf", proposal.content)
    pdf_checks.assert_only_shipped_fonts(proposal.content)
    words = pdf_checks.words(proposal.content)
    assert "TỜ TRÌNH" in words and "QUYẾT ĐỊNH" not in words
    assert "Về việc đề nghị tặng Chiến sĩ thi đua toàn quốc" in words
    assert "Kính gửi: - Thủ tướng Chính phủ; - Bộ Nội vụ (Ban Thi đua - Khen thưởng Trung ương)." in words
    assert central.nominee.full_name in words and city.nominee.full_name not in words
    assert "TM. ỦY BAN NHÂN DÂN CHỦ TỊCH" in words

    engine.perform(
        dossier,
        "decide",
        user=cast.chairman,
        data={
            "decision_number": "321/QĐ-UBND",
            "decision_date": "2024-02-05",
            "approved": f"{city.pk},{central.pk}",
        },
    )
    decided = _get(client, cast.board, "decision_pdf", dossier)
    assert 'filename="quyet-dinh-' in decided["Content-Disposition"]
    words = pdf_checks.words(decided.content)
    pdf_checks.assert_decree30_header(decided.content, "Cần Thơ, ngày 05 tháng 02 năm 2024")
    assert "Số: 321/QĐ-UBND" in words and "DỰ THẢO" not in words
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ" in words
    assert words.endswith(f"CHỦ TỊCH {full_name(cast.chairman)}")
    _dump("decision.pdf", decided.content)

    consult_all(cast, dossier)
    engine.perform(
        dossier,
        "forward",
        user=cast.board,
        data={"submission_number": "88/TTr-UBND", "submission_date": "2024-03-05"},
    )
    forwarded = _get(client, cast.board, "proposal_pdf", dossier)
    assert 'filename="to-trinh-' in forwarded["Content-Disposition"]
    pdf_checks.assert_only_shipped_fonts(forwarded.content)
    pdf_checks.assert_decree30_header(forwarded.content, "Cần Thơ, ngày 05 tháng 3 năm 2024")
    words = pdf_checks.words(forwarded.content)
    assert "Số: 88/TTr-UBND" in words and "DỰ THẢO" not in words
    _dump("proposal.pdf", forwarded.content)


def test_the_links_follow_the_documents_a_dossier_has(client, cast):
    only_central = walk_to(cast, ready_dossier(cast, lines=(("cstd-tq", None),)), "posted")
    assert _get(client, cast.chairman, "decision_pdf", only_central).status_code == 404
    assert _get(client, cast.chairman, "proposal_pdf", only_central).status_code == 200
    page = _get(client, cast.chairman, "detail", only_central).content.decode()
    assert reverse("dossiers:proposal_pdf", args=[only_central.pk]) in page
    assert reverse("dossiers:decision_pdf", args=[only_central.pk]) not in page

    only_city = walk_to(cast, ready_dossier(cast, title="Chỉ cấp thành phố"), "posted")
    assert _get(client, cast.chairman, "proposal_pdf", only_city).status_code == 404
    page = _get(client, cast.chairman, "decide", only_city).content.decode()
    assert reverse("dossiers:decision_pdf", args=[only_city.pk]) in page
    assert reverse("dossiers:proposal_pdf", args=[only_city.pk]) not in page


def test_the_body_and_place_come_from_settings(client, cast, settings):
    settings.ISSUING_BODY = {"superior": "Ủy ban nhân dân", "name": "tỉnh An Giang"}
    settings.ISSUING_PLACE = "An Giang"
    dossier = walk_to(cast, ready_dossier(cast), "decided")
    words = pdf_checks.words(_get(client, cast.board, "decision_pdf", dossier).content)
    assert "ỦY BAN NHÂN DÂN TỈNH AN GIANG" in words and "An Giang, ngày 15 tháng 01 năm 2024" in words
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH AN GIANG" in words and "Cần Thơ" not in words


def test_a_vice_chairman_signing_for_the_chairman_signs_kt(client, cast, person):
    vice = person("vice.chairman")
    today = timezone.localdate()
    delegation_create(
        delegator=cast.chairman,
        delegate=vice,
        role=Role.CITY_CHAIRMAN,
        actor=SYSTEM,
        valid_from=today - timedelta(days=1),
        valid_to=today + timedelta(days=7),
        reason="Đi công tác",
    )
    dossier = walk_to(cast, ready_dossier(cast), "posted")
    end_posting(dossier)
    engine.perform(
        dossier,
        "decide",
        user=vice,
        data={
            "decision_number": "12/QĐ-UBND",
            "decision_date": "2024-01-20",
            "approved": ",".join(str(pk) for pk in dossier.lines.values_list("pk", flat=True)),
        },
    )
    words = pdf_checks.words(_get(client, cast.board, "decision_pdf", dossier).content)
    assert f"KT. CHỦ TỊCH PHÓ CHỦ TỊCH {full_name(vice)}" in words
