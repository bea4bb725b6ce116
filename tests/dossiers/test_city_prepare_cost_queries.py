"""A city dossier's preparation and submission read each thing once (issue 19: 30 dossiers × 10 lines of the
year-end round): a line added with an award already read does not read the rule version again, nor the unit
(the unit's policy needs its id); a document upload does not read the unit, and the same bytes uploaded again
are not parsed again (a refused file always is); the submission reads the lines' histories in one statement per
kind of record and the award names the rules cite once, so its statements do not grow with the lines."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossiers import eligibility, services
from tests.dossiers.helpers import YEAR, award, eligible_nominee, ready_dossier
from tests.factories import AwardRecordFactory, YearlyRatingFactory
from tests.pdfs import pdf_bytes
from workflows import engine, uploads

pytestmark = pytest.mark.django_db


def _selects(captured, table: str) -> int:
    return sum(
        1
        for q in captured.captured_queries
        if q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"]
    )


def _draft(cast):
    return services.dossier_create(
        unit=cast.unit, year=YEAR, occasion="annual", title="Đề nghị Bằng khen", user=cast.officer
    )


def test_a_line_with_an_award_already_read_reads_neither_the_version_nor_the_unit(cast):
    dossier, bk = _draft(cast), award("bk-tp")
    first, second = eligible_nominee(cast.unit), eligible_nominee(cast.unit)
    services.line_add(dossier=dossier, nominee=first, award=bk, user=cast.officer, achievement_report="Tốt.")
    with CaptureQueriesContext(connection) as captured:
        line = services.line_add(
            dossier=dossier, nominee=second, award=bk, user=cast.officer, achievement_report="Tốt."
        )
    assert _selects(captured, "dossiers_ruleversion") == 0
    assert _selects(captured, "organisations_unit") == 0
    # the twin line and the next position: one statement
    assert (
        _selects(captured, "dossiers_dossiernominee") == 2
    )  # the duplicate-award check (integrity), and that
    assert line.position == 2 and line.rule_version_id == bk.rule_version_id
    with pytest.raises(ValidationError) as refused:  # the twin is still refused, with its message
        services.line_add(
            dossier=dossier, nominee=second, award=bk, user=cast.officer, achievement_report="x"
        )
    assert "đã được đề nghị" in str(refused.value) or "Đã đề nghị" in str(refused.value)


def test_an_award_of_another_version_is_still_refused_with_the_version_in_force(cast):
    from dossiers.models import AwardType

    dossier = _draft(cast)
    bk = award("bk-tp")
    other = AwardType.objects.filter(code="bk-tp").exclude(rule_version=bk.rule_version_id).first()
    if other is None:
        pytest.skip("one version of the award only")
    with pytest.raises(ValidationError) as refused:
        services.line_add(
            dossier=dossier,
            nominee=eligible_nominee(cast.unit),
            award=other,
            user=cast.officer,
            achievement_report="Tốt.",
        )
    assert bk.rule_version.name in str(refused.value)


def test_an_upload_reads_no_unit_and_the_same_bytes_are_parsed_once(cast, monkeypatch):
    dossier = _draft(cast)
    content = pdf_bytes(uuid.uuid4().hex.encode())  # bytes no earlier test uploaded
    parsed = []
    check = uploads.check_pdf
    monkeypatch.setattr(uploads, "check_pdf", lambda data: parsed.append(1) or check(data))
    kind = "submission_letter"
    with CaptureQueriesContext(connection) as captured:
        services.document_upload(
            dossier=dossier, kind=kind, upload=SimpleUploadedFile("a.pdf", content), user=cast.officer
        )
    assert _selects(captured, "organisations_unit") == 0
    second = services.document_upload(
        dossier=dossier, kind=kind, upload=SimpleUploadedFile("b.pdf", content), user=cast.officer
    )
    assert parsed == [1] and second.version == 2
    # a lower page limit checks the same bytes again
    monkeypatch.setattr(uploads, "MAX_PDF_PAGES", 0)
    with pytest.raises(ValidationError):
        services.document_upload(
            dossier=dossier, kind=kind, upload=SimpleUploadedFile("c.pdf", content), user=cast.officer
        )


def test_a_refused_file_is_refused_every_time(cast):
    dossier = _draft(cast)
    hostile = pdf_bytes(b"x", extra_catalog=b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>")
    messages = []
    for _ in range(2):
        with pytest.raises(ValidationError) as refused:
            services.document_upload(
                dossier=dossier,
                kind="submission_letter",
                upload=SimpleUploadedFile("x.pdf", hostile),
                user=cast.officer,
            )
        messages.append(str(refused.value))
    assert messages[0] == messages[1] and "/J" in messages[0]


def _submit_statements(cast, lines: int) -> int:
    dossier = ready_dossier(cast, lines=[("bk-tp", None)] * lines)
    with CaptureQueriesContext(connection) as captured:
        engine.perform(dossier, "submit", user=cast.head)
    return len(captured.captured_queries)


def test_the_submission_does_not_read_more_with_more_lines(cast):
    _submit_statements(cast, 1)  # the first submission of the test also reads what is then cached
    assert _submit_statements(cast, 1) == _submit_statements(cast, 4)


def test_the_submission_reads_the_lines_and_documents_once_for_its_checks_and_snapshot(cast):
    dossier = ready_dossier(cast, lines=[("bk-tp", None)] * 2)
    with CaptureQueriesContext(connection) as captured:
        engine.perform(dossier, "submit", user=cast.head)
    assert _selects(captured, "dossiers_dossierdocument") == 1
    # the conditions' own reads (one award per achievement and its duplicates, holds, the route, the quotas),
    # then the lines once for the documents, the eligibility and the snapshot (three reads before)
    assert _selects(captured, "dossiers_dossiernominee") == 7
    assert not any("SELECT 1 AS" in q["sql"] for q in captured.captured_queries)  # no separate exists()
    snapshot = dossier.submissions.get().snapshot
    assert [line["id"] for line in snapshot["lines"]] == list(dossier.lines.values_list("pk", flat=True))
    assert len(snapshot["documents"]) == dossier.documents.count()


def test_the_histories_read_together_are_each_lines_own(cast):
    dossier = ready_dossier(cast, lines=[("bk-tp", None)] * 2)
    lines = list(dossier.lines.select_related("nominee__unit", "award"))
    YearlyRatingFactory(nominee=lines[0].nominee, year=YEAR)
    AwardRecordFactory(nominee=lines[1].nominee, award=award("cstdcs"), year=YEAR - 2)
    together = eligibility.histories_of_lines(lines)
    for line in lines:
        alone = eligibility.History(line.nominee, exclude_line_id=line.pk)
        mine = together[line.pk]
        assert (mine.titles, mine.merit_titles, mine.ratings, mine.initiatives) == (
            alone.titles,
            alone.merit_titles,
            alone.ratings,
            alone.initiatives,
        )
        assert mine.disciplines() == alone.disciplines()
