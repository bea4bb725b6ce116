"""Routing by level (issue 16, Luật TĐKT 2022 Đ.80): through the API, a unit-level title never reaches the Board
on a city dossier, a city-level award never takes the unit's own path, and a unit's round goes only to its own
council; each refusal is a 4xx problem naming the rule, and leaves the dossier or the round as it was."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from councils import services as council_services
from dossiers import services
from dossiers import unit_round as rounds
from dossiers.models import DossierState, RoundState, UnitRoundLine, YearlyRating
from organisations.models import CouncilKind
from tests.dossiers.helpers import pdf
from tests.dossiers.test_unit_round import (
    YEAR,
    a_session,
    award,
    new_round,
    person_row,
    unit_council,
    workbook,
)
from tests.factories import CouncilFactory, CouncilTermFactory, NomineeFactory
from workflows.audit import Actor

pytestmark = pytest.mark.django_db

__all__ = ["unit_council"]  # the unit's own council, a fixture of the unit round tests


def _problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    return response.json()


def _city_dossier_with(cast, code):
    dossier = services.dossier_create(
        unit=cast.unit, year=YEAR, occasion="annual", title="Đề nghị khen thưởng", user=cast.officer
    )
    nominee = NomineeFactory(unit=cast.unit)
    YearlyRating.objects.create(nominee=nominee, year=YEAR, rating="HTT", status="confirmed")
    line = services.line_add(
        dossier=dossier, nominee=nominee, award=award(code), achievement_report="x", user=cast.officer
    )
    for kind in line.award.required_documents:
        services.document_upload(
            dossier=dossier,
            line=None if kind in services.DOSSIER_LEVEL_KINDS else line,
            kind=kind,
            upload=pdf(f"{kind}.pdf"),
            user=cast.officer,
        )
    return dossier


def test_the_api_refuses_to_submit_a_unit_title_to_the_board(cast, api):
    dossier = _city_dossier_with(cast, "ldtt")
    url = f"/api/dossiers/{dossier.pk}/transitions/submit/"
    problem = _problem(api(cast.head).post(url, {}, format="json"), 409)
    assert problem["code"] == "transition_not_allowed"
    assert "«Lao động tiên tiến» do thủ trưởng đơn vị tự quyết định" in problem["detail"]
    [listed] = [
        t
        for t in api(cast.head).get(f"/api/dossiers/{dossier.pk}/transitions/").json()
        if t["name"] == "submit"
    ]
    assert listed["allowed"] is False and "tự quyết định" in listed["reason"]
    dossier.refresh_from_db()
    assert dossier.state == DossierState.DRAFT and dossier.submission_count == 0


def test_the_api_refuses_a_city_award_on_the_units_round(cast, unit_council, api):
    unit_round = new_round(cast)
    rounds.round_import(
        unit_round=unit_round,
        rows=rounds.read_rows(workbook([person_row(1)])),
        actor=Actor(user=cast.officer),
    )
    UnitRoundLine.objects.filter(unit_round=unit_round).update(award=award("bk-tp"))
    session = a_session(unit_council, Actor(user=unit_council.secretary))
    url = f"/api/v1/unit-rounds/{unit_round.pk}/transitions/submit/"
    problem = _problem(api(cast.officer).post(url, {"session": session.pk}, format="json"), 409)
    assert "Dòng 1: «Bằng khen của Chủ tịch UBND thành phố» không do đơn vị quyết định" in problem["detail"]
    unit_round.refresh_from_db()
    assert unit_round.state == RoundState.DRAFT and not session.items.exists()


def test_the_api_sends_a_round_only_to_the_units_own_council(cast, unit_council, api):
    unit_round = new_round(cast)
    rounds.round_import(
        unit_round=unit_round,
        rows=rounds.read_rows(workbook([person_row(1)])),
        actor=Actor(user=cast.officer),
    )
    planned = timezone.localdate() + timedelta(days=5)
    city = council_services.session_create(
        council_term=CouncilTermFactory(council__kind=CouncilKind.EMULATION),
        title="Phiên họp HĐTĐKT thành phố",
        planned_on=planned,
        actor=Actor(user=cast.board),
    )
    other = council_services.session_create(
        council_term=CouncilTermFactory(
            council=CouncilFactory(kind=CouncilKind.UNIT, unit=cast.other_unit), starts_on=date(2024, 1, 1)
        ),
        title="Họp HĐTĐKT Sở Y tế",
        planned_on=planned,
        actor=Actor(user=cast.board),
    )
    url = f"/api/v1/unit-rounds/{unit_round.pk}/transitions/submit/"
    for session in (city, other):
        problem = _problem(api(cast.officer).post(url, {"session": session.pk}, format="json"), 400)
        assert problem["errors"]["session"], problem
        assert not session.items.exists()
    unit_round.refresh_from_db()
    assert unit_round.state == RoundState.DRAFT
    own = a_session(unit_council, Actor(user=unit_council.secretary))
    done = api(cast.officer).post(url, {"session": own.pk}, format="json")
    assert done.status_code == 200 and done.json()["state"] == RoundState.ON_AGENDA
    assert own.items.count() == 1
