"""The API: dossiers with transitions and history, dossier lines, nominees, the award catalogue; unit isolation."""

import pytest

from dossiers.models import Dossier, DossierState, Nominee, NomineeState

from .helpers import YEAR, award, council_session, eligible_nominee, pdf, ready_dossier, walk_to

pytestmark = pytest.mark.django_db


def test_a_unit_builds_and_submits_a_dossier_through_the_api(api, cast):
    nominee = eligible_nominee(cast.unit)
    officer = api(cast.officer)
    response = officer.post(
        "/api/dossiers/",
        {"unit": cast.unit.pk, "year": YEAR, "occasion": "annual", "title": "Hồ sơ qua API"},
        format="json",
    )
    assert response.status_code == 201, response.data
    pk = response.data["id"]
    assert response.data["state"] == "draft"
    response = officer.post(
        "/api/dossier-lines/",
        {
            "dossier": pk,
            "nominee": nominee.pk,
            "award": award("bk-tp").pk,
            "achievement_report": "Thành tích xuất sắc",
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    line = response.data["id"]
    for kind, target in (
        ("submission_letter", ""),
        ("unit_council_minutes", ""),
        ("achievement_report", line),
    ):
        response = officer.post(
            f"/api/dossiers/{pk}/documents/",
            {"kind": kind, "line": target, "file": pdf(f"{kind}.pdf")},
            format="multipart",
        )
        assert response.status_code == 201, response.data
    bad = officer.post(
        f"/api/dossiers/{pk}/documents/",
        {"kind": "submission_letter", "file": _not_pdf()},
        format="multipart",
    )
    assert bad.status_code == 400 and "PDF" in str(bad.data)
    checks = {c["name"]: c for c in officer.get(f"/api/dossiers/{pk}/transitions/").data}
    assert checks["submit"]["allowed"] is False and "Thủ trưởng đơn vị" in checks["submit"]["reason"]
    assert officer.post(f"/api/dossiers/{pk}/transitions/submit/").status_code == 403
    response = api(cast.head).post(
        f"/api/dossiers/{pk}/transitions/submit/", {"comment": "Kính trình"}, format="json"
    )
    assert response.status_code == 200 and response.data["state"] == "submitted"
    assert api(cast.head).post(f"/api/dossiers/{pk}/transitions/submit/").status_code == 409
    board = api(cast.board)
    response = board.post(
        f"/api/dossiers/{pk}/transitions/return_for_supplement/", {"comment": "Thiếu"}, format="json"
    )
    assert response.status_code == 400 and "items" in response.data["errors"]
    assert board.post(f"/api/dossiers/{pk}/transitions/accept/").status_code == 200
    response = board.post(f"/api/dossier-lines/{line}/transitions/propose/", {"comment": "Đủ"}, format="json")
    assert response.status_code == 200 and response.data["state"] == "proposed"
    history = board.get(f"/api/dossiers/{pk}/history/").data
    assert [e["verb"] for e in history if e["target_state"]] == ["create", "submit", "accept"]
    assert officer.get(f"/api/dossiers/{pk}/history/").status_code == 200  # its own dossier (issue 14 item 4)


def _not_pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("to-trinh.pdf", b"GIF89a not a pdf")


def test_council_results_cannot_be_typed_through_the_api(api, cast):
    dossier = walk_to(cast, ready_dossier(cast), "on_agenda")
    line = dossier.lines.get()
    for user in (cast.board, cast.board_head, cast.chairman):
        response = api(user).post(
            f"/api/dossier-lines/{line.pk}/transitions/council_pass/", {}, format="json"
        )
        assert response.status_code == 403
        response = api(user).post(
            f"/api/dossiers/{dossier.pk}/transitions/record_council_results/", {}, format="json"
        )
        assert response.status_code == 403
    line.refresh_from_db()
    assert line.state == "on_agenda"


def test_scheduling_through_the_api_names_an_emulation_council_session(api, cast):
    from datetime import date

    from councils.models import AgendaItem
    from councils.services import session_create
    from organisations.models import CouncilKind
    from tests.factories import CouncilTermFactory

    dossier = walk_to(cast, ready_dossier(cast), "appraised")
    innovation = session_create(
        council_term=CouncilTermFactory(council__kind=CouncilKind.INNOVATION),
        title="Phiên họp xét sáng kiến",
        planned_on=date(2024, 1, 20),
        actor=cast.board,
    )
    board = api(cast.board)
    url = f"/api/dossiers/{dossier.pk}/transitions/schedule/"
    for body in ({}, {"session": ""}, {"session": innovation.pk}):
        response = board.post(url, body, format="json")
        assert response.status_code == 400, (body, response.status_code)
        assert response["Content-Type"].startswith("application/problem+json")
        errors = response.json()["errors"]
        assert list(errors) == ["session"] and errors["session"], body
        dossier.refresh_from_db()
        assert dossier.state == DossierState.APPRAISED
        assert dossier.lines.get().state == "proposed"
        assert not AgendaItem.objects.exists()
    session = council_session(cast)
    response = board.post(url, {"session": session.pk}, format="json")
    assert response.status_code == 200 and response.data["state"] == "on_agenda"
    assert AgendaItem.objects.get().session == session


def test_unit_b_gets_404_on_unit_a_dossier_through_the_api(api, cast):
    dossier = walk_to(cast, ready_dossier(cast), "submitted")
    line = dossier.lines.get()
    other = api(cast.officer2)
    for url in (
        f"/api/dossiers/{dossier.pk}/",
        f"/api/dossiers/{dossier.pk}/transitions/",
        f"/api/dossiers/{dossier.pk}/history/",
        f"/api/dossier-lines/{line.pk}/",
        f"/api/nominees/{line.nominee_id}/",
    ):
        assert other.get(url).status_code == 404, url
    assert (
        other.post(f"/api/dossiers/{dossier.pk}/transitions/withdraw/", {"comment": "x"}).status_code == 404
    )
    assert all(d["id"] != dossier.pk for d in _items(other.get("/api/dossiers/").data))
    response = other.post(
        "/api/dossiers/", {"unit": cast.unit.pk, "year": YEAR, "title": "Hồ sơ đơn vị khác"}, format="json"
    )
    assert response.status_code == 403
    assert not Dossier.objects.filter(title="Hồ sơ đơn vị khác").exists()
    assert api(cast.officer).get(f"/api/dossiers/{dossier.pk}/").status_code == 200
    assert api(cast.auditor).get(f"/api/dossiers/{dossier.pk}/").status_code == 200


def _items(data):
    return data["results"] if isinstance(data, dict) else data


def test_nominees_are_created_by_their_unit_and_hidden_from_others(api, cast):
    response = api(cast.officer).post(
        "/api/nominees/",
        {
            "kind": "individual",
            "unit": cast.unit.pk,
            "full_name": "Nguyễn Hoàng Nam",
            "birth_year": 1979,
            "gender": "male",
            "position": "Trưởng phòng",
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    assert (
        api(cast.officer2)
        .post("/api/nominees/", {"kind": "individual", "unit": cast.unit.pk, "full_name": "X"}, format="json")
        .status_code
        == 403
    )
    names = [n["full_name"] for n in _items(api(cast.officer2).get("/api/nominees/").data)]
    assert "Nguyễn Hoàng Nam" not in names
    assert Nominee.objects.filter(full_name="Nguyễn Hoàng Nam", unit=cast.unit).exists()


def test_award_catalogue_and_eligibility_through_the_api(api, cast):
    awards = _items(api(cast.officer).get("/api/awards/").data)
    codes = {a["code"] for a in awards}
    assert {
        "ldtt",
        "cstdcs",
        "cstd-tp",
        "cstd-tq",
        "bk-tp",
        "bk-ttg",
        "hcld-3",
        "ttldxs",
        "co-thi-dua-cp",
    } <= codes
    cstd = next(a for a in awards if a["code"] == "cstd-tp")
    assert cstd["vote_threshold_percent"] == "90.00" and cstd["rules"][0]["legal_source"].startswith(
        "Luật TĐKT"
    )
    nominee = eligible_nominee(cast.unit)
    data = (
        api(cast.officer).get(f"/api/awards/{award('bk-tp').pk}/eligibility/{nominee.pk}/?year={YEAR}").data
    )
    assert data["rules"][0]["passed"] is True
    assert (
        api(cast.officer2).get(f"/api/awards/{award('bk-tp').pk}/eligibility/{nominee.pk}/").status_code
        == 404
    )


def test_the_states_after_a_decision_are_visible_in_the_api(api, cast):
    dossier = walk_to(cast, ready_dossier(cast), "decided")
    data = api(cast.officer).get(f"/api/dossiers/{dossier.pk}/").data
    assert data["state"] == DossierState.DECIDED and data["decision_number"] == "123/QĐ-UBND"
    assert data["lines"][0]["state"] == "approved"


def test_decide_takes_an_array_of_line_ids_and_documents_it(api, cast):
    """The API's decide body lists the awarded lines as a JSON array (comma-separated text stays for the web
    form); a value that is not a list of ids is refused next to the field, and the transitions listing and the
    OpenAPI schema say it is an array of integers."""
    from tests.dossiers.helpers import end_posting

    dossier = walk_to(cast, ready_dossier(cast), "posted")
    end_posting(dossier)
    passed = list(dossier.lines.filter(state=NomineeState.PASSED).values_list("pk", flat=True))
    url = f"/api/dossiers/{dossier.pk}/transitions/decide/"
    body = {"decision_number": "7/QĐ-UBND", "decision_date": "2024-01-15"}
    listing = api(cast.chairman).get(f"/api/dossiers/{dossier.pk}/transitions/").json()
    decide = next(row for row in listing if row["name"] == "decide")
    assert decide["input"]["properties"]["approved"]["type"] == "array"
    assert decide["input"]["properties"]["approved"]["items"]["type"] == "integer"
    bad = api(cast.chairman).post(url, {**body, "approved": ["một", 2]}, format="json")
    assert bad.status_code == 400 and "approved" in bad.json()["errors"]
    dossier.refresh_from_db()
    assert dossier.state == DossierState.POSTED
    done = api(cast.chairman).post(url, {**body, "approved": passed}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["state"] == DossierState.DECIDED
