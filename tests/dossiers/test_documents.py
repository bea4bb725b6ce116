"""Attachments: PDF only (by content), size limit, checksum, every version kept; bad uploads leave nothing."""

import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from dossiers import services
from dossiers.models import DossierDocument
from tests.pdfs import pdf_bytes
from workflows import uploads
from workflows.models import AuditEvent

from .helpers import YEAR, award, eligible_nominee, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(cast):
    dossier = services.dossier_create(
        unit=cast.unit, year=YEAR, occasion="annual", title="Hồ sơ", user=cast.officer
    )
    line = services.line_add(
        dossier=dossier,
        nominee=eligible_nominee(cast.unit),
        award=award("bk-tp"),
        achievement_report="Thành tích",
        user=cast.officer,
    )
    return dossier, line


def _nothing_stored(dossier, media_root, events_before):
    assert DossierDocument.objects.filter(dossier=dossier).count() == 0
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))
    assert AuditEvent.objects.count() == events_before


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("bao-cao.pdf", b"PK\x03\x04 this is a zip named pdf"), "không phải PDF"),
        (SimpleUploadedFile("bao-cao.pdf", b"<html>%PDF-1.4</html>"), "không phải PDF"),
        (SimpleUploadedFile("rong.pdf", b""), "Tệp rỗng"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(cast, draft, media_root, upload, message):
    dossier, line = draft
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        services.document_upload(
            dossier=dossier, line=line, kind="achievement_report", upload=upload, user=cast.officer
        )
    assert message in " ".join(error.value.messages)
    _nothing_stored(dossier, media_root, before)


def test_oversized_upload_is_refused(cast, draft, media_root, monkeypatch):
    dossier, line = draft
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 1024)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        services.document_upload(
            dossier=dossier,
            line=line,
            kind="achievement_report",
            upload=pdf(body=b"x" * 2048),
            user=cast.officer,
        )
    assert "vượt quá dung lượng" in " ".join(error.value.messages)
    _nothing_stored(dossier, media_root, before)


def test_every_version_is_kept_with_its_checksum(cast, draft):
    dossier, line = draft
    first = services.document_upload(
        dossier=dossier, line=line, kind="achievement_report", upload=pdf("v1.pdf", b"one"), user=cast.officer
    )
    second = services.document_upload(
        dossier=dossier, line=line, kind="achievement_report", upload=pdf("v2.pdf", b"two"), user=cast.officer
    )
    assert (first.version, second.version) == (1, 2)
    content = pdf_bytes(b"two")
    assert second.sha256 == hashlib.sha256(content).hexdigest()
    assert second.file.read() == content
    first.refresh_from_db()
    assert first.file.read() == pdf_bytes(b"one")
    latest = services.current_documents(dossier)
    assert latest[(line.pk, "achievement_report")] == second
    event = AuditEvent.objects.filter(verb="document_upload").last()
    assert event.data["sha256"] == second.sha256 and event.data["version"] == 2


def test_dossier_level_documents_attach_to_the_dossier(cast, draft):
    dossier, line = draft
    document = services.document_upload(
        dossier=dossier, line=line, kind="submission_letter", upload=pdf(), user=cast.officer
    )
    assert document.line is None
    with pytest.raises(ValidationError):
        services.document_upload(dossier=dossier, kind="achievement_report", upload=pdf(), user=cast.officer)


def test_only_the_unit_uploads_and_only_while_editable(cast, draft):
    dossier, line = draft
    for user in (cast.officer2, cast.board):
        with pytest.raises(PermissionDenied):
            services.document_upload(
                dossier=dossier, line=line, kind="achievement_report", upload=pdf(), user=user
            )
    from tests.dossiers.helpers import ready_dossier, walk_to

    submitted = walk_to(cast, ready_dossier(cast, title="Đã trình"), "submitted")
    with pytest.raises(ValidationError) as error:
        services.document_upload(
            dossier=submitted,
            line=submitted.lines.get(),
            kind="achievement_report",
            upload=pdf(),
            user=cast.officer,
        )
    assert "không được sửa" in " ".join(error.value.messages)


def test_the_same_nominee_and_award_cannot_be_proposed_twice_in_one_year(cast, draft):
    dossier, line = draft
    other = services.dossier_create(
        unit=cast.unit, year=YEAR, occasion="annual", title="Hồ sơ 2", user=cast.officer
    )
    with pytest.raises(ValidationError) as error:
        services.line_add(
            dossier=other, nominee=line.nominee, award=line.award, achievement_report="Lặp", user=cast.officer
        )
    assert f"trong hồ sơ số {dossier.pk}." in " ".join(error.value.messages)  # one achievement, one award
    next_year = services.dossier_create(
        unit=cast.unit, year=YEAR + 1, occasion="annual", title="Năm sau", user=cast.officer
    )
    services.line_add(
        dossier=next_year,
        nominee=line.nominee,
        award=award(line.award.code, year=YEAR + 1),
        achievement_report="Năm sau",
        user=cast.officer,
    )


def test_an_award_outside_its_occasion_kinds_is_refused(cast):
    dossier = services.dossier_create(
        unit=cast.unit, year=YEAR, occasion="sudden", title="Đột xuất", user=cast.officer
    )
    nominee = eligible_nominee(cast.unit)
    with pytest.raises(ValidationError) as error:
        services.line_add(
            dossier=dossier, nominee=nominee, award=award("ldtt"), achievement_report="x", user=cast.officer
        )
    assert "không xét theo loại khen thưởng «Đột xuất»" in " ".join(error.value.messages)
    services.line_add(
        dossier=dossier,
        nominee=nominee,
        award=award("bk-tp"),
        achievement_report="Cứu người",
        user=cast.officer,
    )


def test_lines_are_edited_while_returned_and_changes_are_audited(cast):
    from workflows import engine

    from .helpers import ready_dossier, walk_to

    dossier = walk_to(cast, ready_dossier(cast), "submitted")
    engine.perform(
        dossier,
        "return_for_supplement",
        user=cast.board,
        data={"comment": "Bổ sung", "items": "Báo cáo quá ngắn", "working_days": 5},
    )
    line = dossier.lines.get()
    services.line_update(line=line, achievement_report="Báo cáo đầy đủ hơn", user=cast.officer)
    event = AuditEvent.objects.filter(verb="nominee_update").last()
    assert event.data["changes"]["achievement_report"][1] == "Báo cáo đầy đủ hơn"
    with pytest.raises(ValidationError):
        services.line_remove(line=line, user=cast.officer)  # a submitted dossier keeps its nominees
