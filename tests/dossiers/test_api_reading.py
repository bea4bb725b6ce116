"""Issue 18, "Reading what a client needs" (dossiers): a unit reads its own dossier's documents back through the
API (download URLs, the web's isolation), the return reason and its dossier's and lines' history; another unit's
nominee id answers exactly as an id that does not exist (no existence oracle)."""

import hashlib

import pytest

from dossiers.models import Nominee
from tests.pdfs import pdf_bytes

from .helpers import YEAR, award, eligible_nominee, ready_dossier

pytestmark = pytest.mark.django_db


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_each_document_has_a_download_url_giving_back_the_pdf(api, cast):
    dossier = ready_dossier(cast)
    documents = api(cast.officer).get(f"/api/v1/dossiers/{dossier.pk}/").json()["documents"]
    assert documents
    for entry in documents:
        assert entry["download_url"] == f"/api/v1/dossiers/{dossier.pk}/documents/{entry['id']}/"
        response = api(cast.officer).get(entry["download_url"])
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        content = _body(response)
        assert content.startswith(b"%PDF") and hashlib.sha256(content).hexdigest() == entry["sha256"]
        assert response["X-Content-Type-Options"] == "nosniff"
    # the Board and the auditor read them too, as on the web
    url = documents[0]["download_url"]
    assert api(cast.board).get(url).status_code == 200
    assert api(cast.auditor).get(url).status_code == 200


def test_a_client_asking_for_a_pdf_gets_it_and_a_refusal_in_json(api, cast):
    dossier = ready_dossier(cast)
    document = dossier.documents.order_by("pk").first()
    url = f"/api/v1/dossiers/{dossier.pk}/documents/{document.pk}/"
    response = api(cast.officer).get(url, HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert _body(response).startswith(b"%PDF")
    refused = api(cast.officer2).get(url, HTTP_ACCEPT="application/pdf")
    assert refused.status_code == 404 and refused["Content-Type"] == "application/problem+json"
    assert refused.json()["status"] == 404


def test_an_upload_answers_with_its_download_url(api, cast):
    dossier = ready_dossier(cast)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("to-trinh.pdf", pdf_bytes(b"to trinh"), content_type="application/pdf")
    created = api(cast.officer).post(
        f"/api/v1/dossiers/{dossier.pk}/documents/",
        {"kind": "submission_letter", "file": upload},
        format="multipart",
    )
    assert created.status_code == 201, created.content
    response = api(cast.officer).get(created.json()["download_url"])
    assert response.status_code == 200 and _body(response).startswith(b"%PDF")


def test_another_units_document_answers_as_a_missing_one(api, cast):
    dossier = ready_dossier(cast)
    document = dossier.documents.order_by("pk").first()
    url = f"/api/v1/dossiers/{dossier.pk}/documents/{document.pk}/"
    missing = api(cast.officer2).get(f"/api/v1/dossiers/{dossier.pk}/documents/99999999/")
    refused = api(cast.officer2).get(url)
    assert refused.status_code == missing.status_code == 404
    assert refused.json() == missing.json()
    assert api().get(url).status_code == 401
    # a document of one dossier is not found under another (visible) dossier's path
    other = ready_dossier(cast, title="Hồ sơ thứ hai")
    assert api(cast.officer).get(f"/api/v1/dossiers/{other.pk}/documents/{document.pk}/").status_code == 404


def test_a_unit_reads_its_dossier_and_line_history_and_not_another_units(api, cast):
    dossier = ready_dossier(cast)
    line = dossier.lines.get()
    for user in (cast.officer, cast.head):
        assert api(user).get(f"/api/v1/dossiers/{dossier.pk}/history/").status_code == 200
        events = api(user).get(f"/api/v1/dossier-lines/{line.pk}/history/").json()
        assert isinstance(events, list)
    for user in (cast.officer2, cast.head2):
        assert api(user).get(f"/api/v1/dossiers/{dossier.pk}/history/").status_code == 404
        assert api(user).get(f"/api/v1/dossier-lines/{line.pk}/history/").status_code == 404


def _missing_nominee_id() -> int:
    return (Nominee.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


def _same(first, second, ids=()):
    """The two answers are the same, but for the id each names (a message may echo the id it was given)."""
    assert first.status_code == second.status_code, (first.content, second.content)
    texts = [first.content.decode(), second.content.decode()]
    if ids:
        texts = [text.replace(f"«{ident}»", "«…»") for text, ident in zip(texts, ids, strict=True)]
    assert texts[0] == texts[1]
    return first


def test_another_units_nominee_answers_exactly_as_a_nonexistent_one(api, cast):
    theirs = eligible_nominee(cast.other_unit)
    missing = _missing_nominee_id()
    client = api(cast.officer)
    detail = _same(client.get(f"/api/v1/nominees/{theirs.pk}/"), client.get(f"/api/v1/nominees/{missing}/"))
    assert detail.status_code == 404
    for suffix in ("history/", "holds/"):
        _same(
            client.get(f"/api/v1/nominees/{theirs.pk}/{suffix}"),
            client.get(f"/api/v1/nominees/{missing}/{suffix}"),
        )
    bk = award("bk-tp")
    _same(
        client.get(f"/api/v1/awards/{bk.pk}/eligibility/{theirs.pk}/"),
        client.get(f"/api/v1/awards/{bk.pk}/eligibility/{missing}/"),
    )
    listed = _same(
        client.get(f"/api/v1/nominees/?id={theirs.pk}"), client.get(f"/api/v1/nominees/?id={missing}")
    )
    assert listed.status_code in (200, 400)


def test_adding_another_units_nominee_to_a_dossier_answers_as_a_nonexistent_one(api, cast):
    from dossiers import services

    dossier = services.dossier_create(
        unit=cast.unit, year=YEAR, occasion="annual", title="Hồ sơ", user=cast.officer
    )
    theirs = eligible_nominee(cast.other_unit)
    client = api(cast.officer)

    def add(nominee_id):
        return client.post(
            "/api/v1/dossier-lines/",
            {
                "dossier": dossier.pk,
                "nominee": nominee_id,
                "award": award("bk-tp").pk,
                "achievement_report": "Hoàn thành xuất sắc nhiệm vụ.",
            },
            format="json",
        )

    missing = _missing_nominee_id()
    answer = _same(add(theirs.pk), add(missing), ids=(theirs.pk, missing))
    assert answer.status_code in (400, 404)
    assert not dossier.lines.exists()


def test_naming_another_units_dossier_for_a_line_answers_as_a_nonexistent_one(api, cast):
    from dossiers import services
    from dossiers.models import Dossier

    theirs = services.dossier_create(
        unit=cast.other_unit, year=YEAR, occasion="annual", title="Hồ sơ của đơn vị khác", user=cast.officer2
    )
    nominee = eligible_nominee(cast.unit)
    missing = (Dossier.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000
    client = api(cast.officer)

    def add(dossier_id):
        return client.post(
            "/api/v1/dossier-lines/",
            {
                "dossier": dossier_id,
                "nominee": nominee.pk,
                "award": award("bk-tp").pk,
                "achievement_report": "Hoàn thành xuất sắc nhiệm vụ.",
            },
            format="json",
        )

    answer = _same(add(theirs.pk), add(missing), ids=(theirs.pk, missing))
    assert answer.status_code == 400 and "dossier" in answer.json()["errors"]
    assert not theirs.lines.exists()


def test_a_unit_reading_its_history_sees_who_acted_but_not_from_which_address(api, cast, client):
    """The Board officers' IP addresses are personal data a unit does not need: the unit's own history (web
    page, its JSON and CSV exports, the API) shows the step, the person and the reason, never the address; the
    Board and the auditor still see it."""
    from workflows import engine

    dossier = ready_dossier(cast)
    engine.perform(dossier, "submit", user=cast.head, client_ip="198.51.100.7")
    engine.perform(
        dossier,
        "return_for_supplement",
        user=cast.board,
        client_ip="203.0.113.45",
        data={
            "comment": "Thiếu bản thành tích có xác nhận",
            "items": "Báo cáo thành tích",
            "working_days": 5,
        },
    )
    url = f"/lich-su/dossiers/dossier/{dossier.pk}/"
    for user, shown in ((cast.officer, False), (cast.head, False), (cast.board, True), (cast.auditor, True)):
        events = api(user).get(f"/api/v1/dossiers/{dossier.pk}/history/").json()
        returned = next(e for e in events if e["verb"] == "return_for_supplement")
        assert (
            returned["actor"] == "board.officer" and returned["comment"] == "Thiếu bản thành tích có xác nhận"
        )
        assert returned["client_ip"] == ("203.0.113.45" if shown else None), user.username
        client.force_login(user)
        page = client.get(url)
        assert page.status_code == 200
        assert ("203.0.113.45" in page.content.decode()) is shown, user.username
        exported = client.get(url + "?format=json").json()["events"]
        addresses = {e["client_ip"] for e in exported} - {None}
        assert addresses == ({"198.51.100.7", "203.0.113.45"} if shown else set()), user.username
        csv_text = client.get(url + "?format=csv").content.decode()
        assert ("203.0.113.45" in csv_text) is shown, user.username
