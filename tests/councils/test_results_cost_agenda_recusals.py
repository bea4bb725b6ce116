"""A batch of subjects put on an agenda (councils.agenda_subjects_add: a city dossier's lines) records the
proposing unit's recusals of every item with the members and the units' members read once for the batch, not two
statements an item: the same recusals, in the same order, each with its one audit event as before."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from councils.models import AgendaItem, Recusal, RecusalReason
from tests.dossiers.conftest import cast, media_root  # noqa: F401  (the dossier's people, uploads in a temp dir)
from tests.dossiers.helpers import ready_dossier, walk_to
from workflows import engine
from workflows.models import AuditEvent, Role

from .test_agenda_subjects import convened

pytestmark = pytest.mark.django_db


def _membership_reads(captured) -> int:
    return sum(1 for q in captured.captured_queries if 'FROM "workflows_membership"' in q["sql"])


def _scheduled(cast, c, lines: int):  # noqa: F811
    session = convened(c.term, cast.board, c.secretary)
    dossier = walk_to(cast, ready_dossier(cast, lines=[("bk-tp", None)] * lines), "appraised")
    with CaptureQueriesContext(connection) as captured:
        engine.perform(dossier, "schedule", user=cast.board, data={"session": session.pk})
    items = list(AgendaItem.objects.filter(session=session).order_by("order", "pk"))
    assert len(items) == lines
    return items, captured


def test_every_items_recusals_are_recorded_with_the_members_read_once(council, cast, grant):  # noqa: F811
    c = council(size=5)
    colleagues = c.members[:2]
    for colleague in colleagues:  # council members who work in the proposing unit
        grant(colleague, Role.UNIT_OFFICER, unit=cast.unit)
    items, captured = _scheduled(cast, c, 3)
    _more, captured_more = _scheduled(cast, c, 5)
    # the session's members and the proposing units' members: as many reads for five lines as for three
    assert _membership_reads(captured) == _membership_reads(captured_more) <= 3
    expected = sorted((colleague.pk, colleague.username) for colleague in colleagues)
    for item in items:
        recusals = Recusal.objects.filter(item=item).order_by("member_id")
        assert [(r.member_id, r.reason) for r in recusals] == [
            (pk, RecusalReason.PROPOSING_UNIT) for pk, _name in expected
        ]
    events = list(
        AuditEvent.objects.filter(
            verb="recusal_recorded", subject_id__in=[str(item.pk) for item in items]
        ).order_by("sequence")
    )
    # one event a recusal, item by item in the agenda's order, each item's members by id (as one by one)
    assert [(int(event.subject_id), event.data) for event in events] == [
        (
            item.pk,
            {"member": name, "item": item.pk, "reason": RecusalReason.PROPOSING_UNIT, "automatic": True},
        )
        for item in items
        for _pk, name in expected
    ]
    assert all(event.actor_id == cast.board.pk for event in events)


def test_the_locked_session_takes_the_forms_term_and_council(council, cast):  # noqa: F811
    """The schedule's form read the session with its term and council: the agenda's lock of the session takes
    them, so the lines' terms (which ask the council's kind) read neither again."""
    c = council(size=5)
    items, captured = _scheduled(cast, c, 3)
    reads = [q["sql"] for q in captured.captured_queries]  # the agenda policy's own joined read is left
    assert not [sql for sql in reads if sql.startswith('SELECT "organisations_councilterm"."id"')]
    assert not [sql for sql in reads if sql.startswith('SELECT "organisations_council"."id"')]
    assert {item.session.council_term.council.kind for item in items} == {c.term.council.kind}
