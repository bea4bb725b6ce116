"""The turnout a council member and the secretary follow while a vote is open (GET …/ballots/, the console):
its queries do not grow with the number of items, and its figures (eligible, recused, open) are those of the
per-item rules (selectors.recused_ids, ballot_open)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from councils import selectors, services
from tests.councils.conftest import start_voting, threshold
from workflows.audit import SYSTEM
from workflows.models import Role
from workflows.services import membership_grant

pytestmark = pytest.mark.django_db


def _turnout_queries(user, session) -> tuple[int, list]:
    client = APIClient()
    client.force_authenticate(user)
    client.get(f"/api/v1/sessions/{session.pk}/ballots/")  # warm
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/api/v1/sessions/{session.pk}/ballots/")
    assert response.status_code == 200, response.content[:300]
    return len(captured.captured_queries), response.json()["items"]


@pytest.mark.parametrize("mode", ["all_items", "item_by_item"])
def test_turnout_runs_the_same_queries_for_3_items_as_for_30(council, session_for, a_unit, mode):
    counts = {}
    for size in (3, 30):
        c = council(size=7)
        member_of_unit = c.members[0]
        membership_grant(user=member_of_unit, role=Role.UNIT_OFFICER, unit=a_unit, actor=SYSTEM)
        items = [(f"Mục {n}", threshold("50")) for n in range(size)]
        session = session_for(c, items=items, unit=a_unit)
        start_voting(session, c, mode=mode)
        first = session.items.order_by("order", "pk").first()
        services.recusal_declare(item=first, member=c.members[1], note="Người thân", actor=c.members[1])
        counts[size], rows = _turnout_queries(c.secretary, session)
        # the figures are the per-item rules' own
        for row, item in zip(rows, session.items.order_by("order", "pk"), strict=True):
            recused = selectors.recused_ids(item)
            present = selectors.present_ids(session)
            assert row["eligible"] == len(present - recused)
            assert row["recused"] == len(recused & selectors.member_ids(session))
            assert row["open"] == selectors.ballot_open(item)
        assert rows[0]["recused"] == 2  # the member of the proposing unit and the declared conflict
    assert counts[3] == counts[30], counts
