"""Impossible council dates are refused next to the field, on the web form and in the API (issue 14 item 6):
a session planned in the past or outside its council term, a convene date in the past or outside the term,
a resolution dated before its session. The record stays as it was; what the user typed is kept."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from councils.models import Session, SessionState
from tests.factories import CouncilTermFactory

from .conftest import MEETING_DAY

pytestmark = pytest.mark.django_db


def _today():
    """Read at use, not at import: a suite collected before midnight (Asia/Ho_Chi_Minh) runs after it."""
    return timezone.localdate()


def _dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _planned(c) -> Session:
    from councils import services

    return services.session_create(
        council_term=c.term, title="Phiên họp", planned_on=MEETING_DAY, actor=c.board
    )


def _field_errors(response, field: str) -> list[str]:
    return list(response.context["form"].errors.get(field, []))


def _transition_url(session, name: str) -> str:
    return reverse("transition", args=["councils", "session", session.pk, name])


# -- planning a session -------------------------------------------------------------------------------------
def test_web_refuses_a_session_planned_in_the_past_and_keeps_the_input(client, council):
    c = council(size=3)
    client.force_login(c.board)
    response = client.post(
        reverse("councils:session_create"),
        {
            "council_term": c.term.pk,
            "title": "Phiên họp tháng trước",
            "planned_on": _dmy(_today() - timedelta(days=1)),
        },
    )
    assert response.status_code == 400
    assert any("Ngày họp đã qua" in e for e in _field_errors(response, "planned_on"))
    page = response.content.decode()
    assert f'value="{_dmy(_today() - timedelta(days=1))}"' in page and 'value="Phiên họp tháng trước"' in page
    assert not Session.objects.exists()


def test_web_refuses_a_session_outside_its_council_term(client, council):
    c = council(size=3)
    ended = CouncilTermFactory(council=c.term.council, name="2016-2021", starts_on=date(2016, 1, 1))
    ended.ends_on = _today() + timedelta(days=5)
    ended.save()
    client.force_login(c.board)
    late = _today() + timedelta(days=30)
    response = client.post(
        reverse("councils:session_create"),
        {"council_term": ended.pk, "title": "Phiên họp", "planned_on": _dmy(late)},
    )
    assert response.status_code == 400
    errors = _field_errors(response, "planned_on")
    assert any("nằm trong nhiệm kỳ 2016-2021" in e and _dmy(ended.ends_on) in e for e in errors), errors
    assert f'value="{_dmy(late)}"' in response.content.decode()
    assert not Session.objects.exists()


def test_api_refuses_a_session_in_the_past_or_outside_its_term(api, council):
    c = council(size=3)
    client = api(c.board)
    past = client.post(
        "/api/sessions/",
        {
            "council_term": c.term.pk,
            "title": "Phiên họp",
            "planned_on": (_today() - timedelta(days=1)).isoformat(),
        },
        format="json",
    )
    assert past.status_code == 400 and "Ngày họp đã qua" in past.json()["errors"]["planned_on"][0]
    before_term = client.post(
        "/api/sessions/",
        {"council_term": c.term.pk, "title": "Phiên họp", "planned_on": "2030-01-01"},
        format="json",
    )
    assert before_term.status_code == 201  # the term has no end: any day from its start is in it
    c.term.ends_on = _today() + timedelta(days=20)
    c.term.save()
    outside = client.post(
        "/api/sessions/",
        {
            "council_term": c.term.pk,
            "title": "Phiên họp",
            "planned_on": (_today() + timedelta(days=21)).isoformat(),
        },
        format="json",
    )
    assert outside.status_code == 400 and "nằm trong nhiệm kỳ" in outside.json()["errors"]["planned_on"][0]
    assert Session.objects.count() == 1


def test_the_service_refuses_a_day_before_the_term_starts(council):
    from django.core.exceptions import ValidationError

    from councils import services

    c = council(size=3)
    with pytest.raises(ValidationError) as refused:
        services.session_create(
            council_term=c.term,
            title="Phiên họp",
            planned_on=c.term.starts_on - timedelta(days=1),
            actor=c.board,
        )
    assert "planned_on" in refused.value.message_dict


# -- convening ----------------------------------------------------------------------------------------------
def test_web_refuses_a_convene_date_in_the_past(client, council):
    c = council(size=3)
    session = _planned(c)
    client.force_login(c.secretary)
    response = client.post(
        _transition_url(session, "convene"),
        {"planned_on": _dmy(_today() - timedelta(days=1)), "place": "Hội trường"},
    )
    assert response.status_code == 400
    assert any("Ngày họp đã qua" in e for e in _field_errors(response, "planned_on"))
    assert f'value="{_dmy(_today() - timedelta(days=1))}"' in response.content.decode()
    session.refresh_from_db()
    assert (session.state, session.planned_on) == (SessionState.PLANNED, MEETING_DAY)


def test_api_refuses_a_convene_date_in_the_past_or_outside_the_term(api, council):
    c = council(size=3)
    session = _planned(c)
    client = api(c.secretary)
    url = f"/api/sessions/{session.pk}/transitions/convene/"
    past = client.post(url, {"planned_on": (_today() - timedelta(days=1)).isoformat()}, format="json")
    assert past.status_code == 400 and "Ngày họp đã qua" in past.json()["errors"]["planned_on"][0]
    c.term.ends_on = MEETING_DAY + timedelta(days=3)
    c.term.save()
    late = client.post(url, {"planned_on": (MEETING_DAY + timedelta(days=4)).isoformat()}, format="json")
    assert late.status_code == 400 and "nằm trong nhiệm kỳ" in late.json()["errors"]["planned_on"][0]
    session.refresh_from_db()
    assert (session.state, session.planned_on) == (SessionState.PLANNED, MEETING_DAY)
    assert client.post(url, {"planned_on": MEETING_DAY.isoformat()}, format="json").status_code == 200


# -- issuing the resolution ---------------------------------------------------------------------------------
def _minutes_signed(c) -> Session:
    session = _planned(c)
    Session.objects.filter(pk=session.pk).update(state=SessionState.MINUTES_SIGNED)
    session.refresh_from_db()
    return session


def test_web_refuses_a_resolution_dated_before_its_session(client, council):
    c = council(size=3)
    session = _minutes_signed(c)
    client.force_login(c.chair)
    early = MEETING_DAY - timedelta(days=1)
    response = client.post(
        _transition_url(session, "issue_resolution"),
        {"resolution_number": "05/TTr-HĐTĐKT", "resolution_issued_on": _dmy(early), "confirmed": "1"},
    )
    assert response.status_code == 400
    errors = _field_errors(response, "resolution_issued_on")
    assert any("không được trước ngày họp" in e and _dmy(MEETING_DAY) in e for e in errors), errors
    page = response.content.decode()
    assert f'value="{_dmy(early)}"' in page and 'value="05/TTr-HĐTĐKT"' in page
    session.refresh_from_db()
    assert (session.state, session.resolution_number, session.resolution_issued_on) == (
        SessionState.MINUTES_SIGNED,
        "",
        None,
    )


def test_api_refuses_a_resolution_dated_before_its_session(api, council):
    c = council(size=3)
    session = _minutes_signed(c)
    response = api(c.chair).post(
        f"/api/sessions/{session.pk}/transitions/issue_resolution/",
        {
            "resolution_number": "05/TTr",
            "resolution_issued_on": (MEETING_DAY - timedelta(days=1)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert "không được trước ngày họp" in response.json()["errors"]["resolution_issued_on"][0]
    session.refresh_from_db()
    assert session.state == SessionState.MINUTES_SIGNED and session.resolution_issued_on is None
