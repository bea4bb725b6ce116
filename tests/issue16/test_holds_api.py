"""Holds (issue 16, DOMAIN.md §2): a hold in force on a nominee blocks the agenda, the council's agenda lock and
the decision, re-checked at each point; through the API each refusal is a 409 problem naming the nominee and
the hold, and leaves the record as it was; lifting the hold lets the same request through. The unit's own round
answers to the same rule at its submission and at the unit head's decision."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from councils.models import SessionState
from councils.services import session_create
from dossiers import services
from dossiers import unit_round as rounds
from dossiers.models import AwardRecord, DossierState, NomineeState, RoundLineState, RoundState
from organisations.models import CouncilKind
from tests.dossiers.helpers import council_session, end_posting, ready_dossier, walk_to
from tests.dossiers.test_unit_round import (
    a_session,
    new_round,
    person_row,
    unit_council,
    vote_and_issue,
    workbook,
)
from tests.factories import CouncilTermFactory
from workflows import engine
from workflows.audit import Actor
from workflows.models import Role

pytestmark = pytest.mark.django_db

__all__ = ["unit_council"]  # the unit's own council, a fixture of the unit round tests

HELD = "đang bị tạm dừng xét khen thưởng"


def _hold(cast, nominee, kind="inspection", source="Kết luận thanh tra số 21/KL-TTr"):
    return services.hold_create(
        nominee=nominee,
        kind=kind,
        starts_on=timezone.localdate() - timedelta(days=2),
        ends_on=None,
        source_document=source,
        actor=Actor(cast.board),
    )


def _problem(response, status=409):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    return response.json()


# -- the city path ------------------------------------------------------------------------------------------
def test_the_api_refuses_to_schedule_a_held_nominee_and_accepts_once_lifted(cast, api):
    dossier = walk_to(cast, ready_dossier(cast), "appraised")
    line = dossier.lines.get()
    hold = _hold(cast, line.nominee)
    url = f"/api/dossiers/{dossier.pk}/transitions/schedule/"
    session = council_session(cast)
    problem = _problem(api(cast.board).post(url, {"session": session.pk}, format="json"))
    assert problem["code"] == "transition_not_allowed"
    assert f"{line.nominee.full_name} {HELD}" in problem["detail"] and "21/KL-TTr" in problem["detail"]
    dossier.refresh_from_db()
    line.refresh_from_db()
    assert dossier.state == DossierState.APPRAISED and line.state == NomineeState.PROPOSED
    assert not session.items.exists()
    services.hold_lift(hold=hold, note="Kết luận không vi phạm", actor=Actor(cast.board))
    done = api(cast.board).post(url, {"session": session.pk}, format="json")
    assert done.status_code == 200 and done.json()["state"] == DossierState.ON_AGENDA


def test_the_api_refuses_the_decision_for_a_held_nominee_and_accepts_once_lifted(cast, api):
    dossier = walk_to(cast, ready_dossier(cast), "posted")
    end_posting(dossier)
    line = dossier.lines.get()
    hold = _hold(cast, line.nominee, kind="press", source="Báo Cần Thơ ngày 05/01/2024")
    url = f"/api/dossiers/{dossier.pk}/transitions/decide/"
    body = {"decision_number": "15/QĐ-UBND", "decision_date": "2024-01-15", "approved": [line.pk]}
    problem = _problem(api(cast.chairman).post(url, body, format="json"))
    assert f"{line.nominee.full_name} {HELD}: Báo chí phản ánh" in problem["detail"]
    dossier.refresh_from_db()
    line.refresh_from_db()
    assert dossier.state == DossierState.POSTED and line.state == NomineeState.PASSED
    assert not AwardRecord.objects.filter(dossier_nominee=line).exists()
    services.hold_lift(hold=hold, note="Báo đã cải chính", actor=Actor(cast.board))
    done = api(cast.chairman).post(url, body, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["state"] == DossierState.DECIDED


def test_the_api_refuses_to_lock_an_agenda_with_a_held_nominee(cast, api, person):
    """The hold recorded after scheduling is found again when the council's secretary locks the agenda."""
    dossier = walk_to(cast, ready_dossier(cast), "appraised")
    term = CouncilTermFactory(council__kind=CouncilKind.EMULATION)
    secretary = person("council.secretary", Role.COUNCIL_SECRETARY, council_term=term)
    day = timezone.localdate() + timedelta(days=20)
    session = session_create(
        council_term=term, title="Phiên họp xét khen thưởng", planned_on=day, actor=cast.board
    )
    engine.perform(
        session, "convene", user=secretary, data={"planned_on": day.isoformat(), "place": "Hội trường"}
    )
    engine.perform(dossier, "schedule", user=cast.board, data={"session": session.pk})
    line = dossier.lines.get()
    hold = _hold(cast, line.nominee, kind="complaint", source="Đơn khiếu nại ngày 02/01/2024")
    url = reverse("session-perform-transition", args=[session.pk, "lock_agenda"])
    problem = _problem(api(secretary).post(url, {}, format="json"))
    assert f"{line.nominee.full_name} {HELD}: Khiếu nại, tố cáo" in problem["detail"]
    session.refresh_from_db()
    assert session.state == SessionState.CONVENED
    services.hold_lift(hold=hold, note="Đơn không có cơ sở", actor=Actor(cast.board))
    locked = api(secretary).post(url, {}, format="json")
    assert locked.status_code == 200, locked.content
    session.refresh_from_db()
    assert session.state == SessionState.AGENDA_LOCKED


# -- the unit's own round -----------------------------------------------------------------------------------
def _imported(cast, count=3):
    unit_round = new_round(cast)
    lines = rounds.round_import(
        unit_round=unit_round,
        rows=rounds.read_rows(workbook([person_row(n) for n in range(1, count + 1)])),
        actor=Actor(user=cast.officer),
    )
    return unit_round, lines


def test_a_hold_refuses_the_rounds_submission_naming_the_row(cast, unit_council, api):
    unit_round, lines = _imported(cast)
    held = next(line for line in lines if line.row_number == 3)
    hold = _hold(cast, held.nominee, kind="discipline", source="Quyết định kỷ luật số 4/QĐ-KL")
    session = a_session(unit_council, Actor(user=unit_council.secretary))
    with pytest.raises(engine.TransitionNotAllowed) as refused:
        rounds.round_submit(unit_round=unit_round, session=session, actor=Actor(user=cast.officer))
    assert "Dòng 3:" in str(refused.value) and "4/QĐ-KL" in str(refused.value)
    url = f"/api/v1/unit-rounds/{unit_round.pk}/transitions/submit/"
    problem = _problem(api(cast.officer).post(url, {"session": session.pk}, format="json"))
    assert "Dòng 3:" in problem["detail"] and "4/QĐ-KL" in problem["detail"]
    unit_round.refresh_from_db()
    assert unit_round.state == RoundState.DRAFT and not session.items.exists()
    services.hold_lift(hold=hold, note="Quyết định kỷ luật bị hủy", actor=Actor(cast.board))
    done = api(cast.officer).post(url, {"session": session.pk}, format="json")
    assert done.status_code == 200 and done.json()["state"] == RoundState.ON_AGENDA


def test_a_hold_after_the_vote_refuses_the_unit_heads_decision(cast, unit_council, api):
    unit_round, lines = _imported(cast)
    session = a_session(unit_council, Actor(user=unit_council.secretary))
    rounds.round_submit(unit_round=unit_round, session=session, actor=Actor(user=cast.officer))
    vote_and_issue(session, unit_council)
    held = lines[0].nominee
    hold = _hold(cast, held, kind="inspection", source="Kết luận thanh tra số 30/KL-TTr")
    day = session.planned_on
    with pytest.raises(engine.TransitionNotAllowed) as refused:
        rounds.round_decide(
            unit_round=unit_round, decision_number="20/QĐ", decision_date=day, actor=Actor(user=cast.head)
        )
    assert f"{held.full_name} {HELD}" in str(refused.value)
    url = f"/api/v1/unit-rounds/{unit_round.pk}/transitions/decide/"
    body = {"decision_number": "20/QĐ", "decision_date": day.strftime("%d/%m/%Y"), "not_awarded": []}
    problem = _problem(api(cast.head).post(url, body, format="json"))
    assert f"{held.full_name} {HELD}" in problem["detail"] and "30/KL-TTr" in problem["detail"]
    unit_round.refresh_from_db()
    assert unit_round.state == RoundState.VOTED
    assert set(unit_round.lines.values_list("state", flat=True)) == {RoundLineState.PASSED}
    assert not AwardRecord.objects.filter(decision_number="20/QĐ").exists()
    services.hold_lift(hold=hold, note="Không có vi phạm", actor=Actor(cast.board))
    done = api(cast.head).post(url, body, format="json")
    assert done.status_code == 200 and done.json()["state"] == RoundState.DECIDED
    assert AwardRecord.objects.filter(decision_number="20/QĐ").count() == 3
