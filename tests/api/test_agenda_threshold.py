"""An agenda item's pass rule is typed in the schema (AgendaThreshold), and its percentage is plain decimal text
(«50», «66.667»), not Decimal's exponent form («5E+1») that no client reads as a number (issue 18)."""

from __future__ import annotations

import json

import pytest
from drf_spectacular.generators import SchemaGenerator

from councils import services
from councils.registry import ThresholdBase
from tests.councils.conftest import council, threshold  # noqa: F401  (a council term with its members)
from tests.councils.test_agenda_subjects import convened
from tests.dossiers.conftest import cast  # noqa: F401  (the Board officer creates the session)

pytestmark = pytest.mark.django_db


def test_an_agenda_items_threshold_is_plain_decimal_text(api, council, cast):  # noqa: F811
    c = council(size=5)
    session = convened(c.term, cast.board, c.secretary)
    fifty = services.agenda_item_add(
        session=session, title="Ông A", threshold=threshold("50.000"), actor=c.secretary
    )
    two_thirds = services.agenda_item_add(
        session=session,
        title="Bà B",
        threshold=threshold("66.667", base=ThresholdBase.PRESENT, strict=True, ratio=(2, 3)),
        actor=c.secretary,
    )
    read = {
        row["id"]: row["threshold"]
        for row in api(c.secretary).get(f"/api/v1/sessions/{session.pk}/agenda/").json()
    }
    assert read[fifty.pk] == {"percent": "50", "ratio": None, "base": "total_members", "strict": False}
    assert read[two_thirds.pk] == {"percent": "66.667", "ratio": [2, 3], "base": "present", "strict": True}


def test_the_schema_types_the_threshold_and_a_written_votes_choices():
    schema = json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))
    components = schema["components"]["schemas"]
    assert components["AgendaItem"]["properties"]["threshold"]["allOf"] == [
        {"$ref": "#/components/schemas/AgendaThreshold"}
    ]
    assert set(components["AgendaThreshold"]["properties"]) == {"percent", "ratio", "base", "strict"}
    choices = components["WrittenVoteEntered"]["properties"]["choices"]["additionalProperties"]
    assert choices["enum"] == ["agree", "disagree", "abstain"]
