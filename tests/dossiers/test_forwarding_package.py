"""The package forwarded to the central level (issue 16): forwarding builds one ZIP (the tờ trình, the list
of nominees, the council minutes, every current document) with a manifest of SHA-256 sums, stored with the
dossier and downloadable by the Board on the web and through the API (application/zip); the central outcome
of each nominee is recorded on the package's lines."""

import hashlib
import io
import json
import zipfile
from datetime import date

import pytest
from django.urls import reverse

from councils.models import AgendaItem
from dossiers import forwarding
from dossiers.models import DossierNominee, ForwardingPackage, NomineeState
from dossiers.services import current_documents
from workflows import engine

from .consultation_helpers import consult_all
from .helpers import council_session, end_posting, ready_dossier, walk_to

pytestmark = pytest.mark.django_db

FORWARD = {"submission_number": "88/TTr-UBND", "submission_date": "2024-03-05"}


def _forwarded(cast):
    dossier = ready_dossier(cast, lines=(("cstd-tq", None), ("cstd-tq", None), ("bk-tp", None)))
    walk_to(cast, dossier, "voted")
    # the council's items are real agenda items of the session (their minutes go into the package)
    session = council_session(cast)
    for line in dossier.lines.all():
        assert AgendaItem.objects.filter(pk=int(line.council_item_ref), session=session).exists()
    engine.perform(dossier, "post", user=cast.board, data={"working_days": 10})
    end_posting(dossier)
    passed = ",".join(str(pk) for pk in dossier.lines.values_list("pk", flat=True))
    engine.perform(
        dossier,
        "decide",
        user=cast.chairman,
        data={"decision_number": "77/QĐ-UBND", "decision_date": "2024-03-01", "approved": passed},
    )
    consult_all(cast, dossier)
    engine.perform(dossier, "forward", user=cast.board, data=FORWARD)
    dossier.refresh_from_db()
    return dossier


def _open(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def test_forwarding_builds_the_zip_and_every_sum_matches(cast):
    dossier = _forwarded(cast)
    package = ForwardingPackage.objects.get(dossier=dossier)
    central = list(dossier.lines.filter(award__code="cstd-tq").order_by("position", "pk"))
    assert sorted(line.pk for line in package.lines.all()) == sorted(line.pk for line in central)
    with package.file.open("rb") as handle:
        content = handle.read()
    assert hashlib.sha256(content).hexdigest() == package.sha256 and len(content) == package.size
    files = _open(content)

    manifest = json.loads(files[forwarding.MANIFEST_NAME])
    assert manifest["submission_number"] == "88/TTr-UBND"
    assert [n["line"] for n in manifest["nominees"]] == [line.pk for line in central]
    listed = {entry["name"]: entry for entry in manifest["files"]}
    assert set(files) == set(listed) | {forwarding.MANIFEST_NAME, forwarding.SUMS_NAME}
    for name, entry in listed.items():
        assert hashlib.sha256(files[name]).hexdigest() == entry["sha256"], name
        assert len(files[name]) == entry["size"]
    sums = dict(reversed(row.split("  ", 1)) for row in files[forwarding.SUMS_NAME].decode().splitlines())
    assert sums == {name: entry["sha256"] for name, entry in listed.items()}

    assert files["01-to-trinh.pdf"].startswith(b"%PDF")
    assert files["02-danh-sach-de-nghi.xlsx"].startswith(b"PK")
    minutes = [name for name in files if name.startswith("03-bien-ban-hoi-dong-")]
    assert minutes == [f"03-bien-ban-hoi-dong-{council_session(cast).pk}.pdf"]
    # every current document of the dossier and of the forwarded lines, and none of the city-level line
    city = dossier.lines.get(award__code="bk-tp")
    expected = [doc for (line_id, _kind), doc in current_documents(dossier).items() if line_id != city.pk]
    documents = [name for name in files if name.startswith("04-tai-lieu/")]
    assert len(documents) == len(expected) and expected
    by_sum = {hashlib.sha256(files[name]).hexdigest() for name in documents}
    assert by_sum == {doc.sha256 for doc in expected}


def test_the_board_downloads_it_on_the_web_and_through_the_api(cast, client, api):
    dossier = _forwarded(cast)
    package = ForwardingPackage.objects.get(dossier=dossier)
    client.force_login(cast.board)
    response = client.get(reverse("dossiers:forwarding_package", args=[dossier.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == package.sha256

    answer = api(cast.auditor).get(reverse("dossier-forwarding-package", args=[dossier.pk]))
    assert answer.status_code == 200 and answer["Content-Type"] == "application/zip"
    assert answer["X-Content-SHA256"] == package.sha256
    assert hashlib.sha256(b"".join(answer.streaming_content)).hexdigest() == package.sha256
    assert api(cast.officer).get(reverse("dossier-forwarding-package", args=[dossier.pk])).status_code == 403
    assert api(cast.officer2).get(reverse("dossier-forwarding-package", args=[dossier.pk])).status_code == 404
    client.force_login(cast.officer)
    assert client.get(reverse("dossiers:forwarding_package", args=[dossier.pk])).status_code == 403


def test_no_package_before_forwarding(cast, api):
    dossier = walk_to(cast, ready_dossier(cast, lines=(("cstd-tq", None),)), "decided")
    assert api(cast.board).get(reverse("dossier-forwarding-package", args=[dossier.pk])).status_code == 404
    assert not ForwardingPackage.objects.exists()


def test_central_outcome_is_recorded_against_the_package_lines(cast, client):
    dossier = _forwarded(cast)
    package = ForwardingPackage.objects.get(dossier=dossier)
    first, second = package.lines.order_by("position", "pk")
    engine.perform(
        first,
        "central_approve",
        user=cast.board,
        data={"decision_number": "1234/QĐ-TTg", "decision_date": "2024-05-01"},
    )
    engine.perform(second, "central_reject", user=cast.board, data={"comment": "Trung ương không xét"})
    states = dict(DossierNominee.objects.filter(forwarding_packages=package).values_list("pk", "state"))
    assert states == {first.pk: NomineeState.CENTRAL_APPROVED, second.pk: NomineeState.CENTRAL_REJECTED}
    first.refresh_from_db()
    assert (first.central_decision_number, first.central_decision_date) == ("1234/QĐ-TTg", date(2024, 5, 1))
    client.force_login(cast.board)
    page = client.get(reverse("dossiers:consultation", args=[dossier.pk])).content.decode()
    assert package.sha256 in page and "1234/QĐ-TTg" in page and "Trung ương không khen" in page
