"""The dossier's lifecycle: every step, in order, by the right role only, with its audit trail."""

import pytest
from django.core.exceptions import ValidationError

from dossiers.models import AwardRecord, Dossier, DossierState, NomineeState, RecordSource, ReturnItem
from workflows import engine
from workflows.audit import history_for
from workflows.calendar import add_working_days

from .helpers import YEAR, award, council_result, eligible_nominee, ready_dossier, walk_to

pytestmark = pytest.mark.django_db


def test_whole_lifecycle_writes_exactly_these_audit_rows(cast):
    dossier = ready_dossier(cast)
    [line] = dossier.lines.all()
    walk_to(cast, dossier, "decided")
    engine.perform(dossier, "close", user=cast.board)
    dossier.refresh_from_db()
    line.refresh_from_db()
    assert dossier.state == DossierState.CLOSED
    assert line.state == NomineeState.APPROVED
    rows = [(e.verb, e.source_state, e.target_state, e.actor.username if e.actor else None, e.role)
            for e in history_for(dossier)]
    assert rows == [
        ("create", "", "draft", "unit.officer", "unit_officer"),
        ("nominee_add", "", "", "unit.officer", "unit_officer"),
        ("document_upload", "", "", "unit.officer", "unit_officer"),
        ("document_upload", "", "", "unit.officer", "unit_officer"),
        ("document_upload", "", "", "unit.officer", "unit_officer"),
        ("submit", "draft", "submitted", "unit.head", "unit_head"),
        ("accept", "submitted", "accepted", "board.officer", "board_officer"),
        ("sign_off", "accepted", "appraised", "board.head", "board_head"),
        ("schedule", "appraised", "on_agenda", "board.officer", "board_officer"),
        ("record_council_results", "on_agenda", "voted", None, "council_secretary"),
        ("post", "voted", "posted", "board.officer", "board_officer"),
        ("decide", "posted", "decided", "chairman", "city_chairman"),
        ("close", "decided", "closed", "board.officer", "board_officer"),
    ]
    line_rows = [(e.verb, e.source_state, e.target_state, e.role) for e in history_for(line)]
    assert line_rows == [
        ("propose", "pending", "proposed", "board_officer"),
        ("place_on_agenda", "proposed", "on_agenda", "board_officer"),
        ("council_pass", "on_agenda", "passed", "council_secretary"),
        ("approve", "passed", "approved", "city_chairman"),
    ]
    council_event = list(history_for(line))[2]
    assert council_event.data["council_result"]["agree"] == 19
    record = AwardRecord.objects.get(dossier_nominee=line)
    assert (record.award.code, record.year, record.decision_number, record.source) == (
        "bk-tp", YEAR, "123/QĐ-UBND", RecordSource.DECIDED_HERE)
