"""Council rules for the whole meeting (issue 16, DOMAIN.md §3): through the API, the chair cannot open the
meeting below the quorum (409 with the count); the session stays as it was and opens once the quorum is there."""

import pytest

from councils.models import SessionState
from councils.services import attendance_record
from tests.councils.conftest import attend
from workflows import engine

pytestmark = pytest.mark.django_db

SIZE = 22  # 2/3 of 22 is 14,67: 15 must be present


def test_the_api_refuses_to_open_the_meeting_below_quorum_with_the_count(api, council, session_for):
    c = council(size=SIZE)
    session = session_for(c)
    engine.perform(session, "lock_agenda", user=c.secretary)
    attend(session, c, c.voters[:14], c.voters[14:])
    address = f"/api/sessions/{session.pk}/transitions/"
    [listed] = [t for t in api(c.chair).get(address).json() if t["name"] == "open"]
    assert listed["allowed"] is False and "Chỉ 14/22 thành viên có mặt, chưa đủ 2/3 (15)" in listed["reason"]
    refused = api(c.chair).post(address + "open/", {}, format="json")
    assert refused.status_code == 409
    assert refused["Content-Type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["code"] == "transition_not_allowed"
    assert "Chỉ 14/22 thành viên có mặt, chưa đủ 2/3 (15)" in problem["detail"]
    session.refresh_from_db()
    assert session.state == SessionState.AGENDA_LOCKED
    attendance_record(session=session, member=c.voters[14], status="present", actor=c.secretary)
    opened = api(c.chair).post(address + "open/", {}, format="json")
    assert opened.status_code == 200 and opened.json()["state"] == SessionState.OPENED
