"""The Board's line opinions of a city dossier in one engine.perform_many (as the year round's city side
does): the lines' scope (their dossier's unit) is read once per dossier in the check pass, not once per line;
the refusals (an assigned dossier's lines to another officer), the writes and the audit events are as before."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossiers import services
from dossiers.models import DossierNominee, NomineeState
from workflows import engine
from workflows.audit import Actor, history_for
from workflows.conditions import pass_memo
from workflows.models import Role

from .helpers import ready_dossier, walk_to

OPINION = {"comment": "Đủ tiêu chuẩn"}
_FULL_DOSSIER_READ = 'SELECT "dossiers_dossier"."id", "dossiers_dossier"."unit_id"'
_STATE_READ = 'SELECT "dossiers_dossier"."id", "dossiers_dossier"."state" FROM'
_LINE_UPDATE = 'UPDATE "dossiers_dossiernominee"'


def _accepted(cast, lines, title="Đề nghị khen thưởng năm 2023"):
    return walk_to(cast, ready_dossier(cast, lines=[("bk-tp", None)] * lines, title=title), "accepted")


def _lines(*dossiers):
    return list(DossierNominee.objects.filter(dossier__in=dossiers).order_by("pk"))


def _statements(call) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        call()
    return [query["sql"] for query in captured.captured_queries]


def _propose(lines, user):
    return _statements(lambda: engine.perform_many(lines, "propose", user=user, data=OPINION))


def test_proposing_a_dossiers_lines_reads_its_unit_once_and_grows_by_its_own_statements_only(cast):
    small, large = _accepted(cast, 2), _accepted(cast, 5, title="Đề nghị thứ hai")
    few, many = _propose(_lines(small), cast.board), _propose(_lines(large), cast.board)
    for statements, count in ((few, 2), (many, 5)):
        # the dossier's unit once; per line its dossier's state (the condition, checked, then re-checked as the
        # transition starts) and its UPDATE; the rest does not grow with the lines
        assert [sql.startswith(_FULL_DOSSIER_READ) for sql in statements].count(True) == 1
        assert [sql.startswith(_STATE_READ) for sql in statements].count(True) == 2 * count
        assert [sql.startswith(_LINE_UPDATE) for sql in statements].count(True) == count
    assert len(many) - len(few) <= 3 * 3
    for line in _lines(small, large):
        assert line.state == NomineeState.PROPOSED and line.board_opinion == "Đủ tiêu chuẩn"
        assert [event.verb for event in history_for(line)].count("propose") == 1
    assert pass_memo() is None  # nothing kept after the batch


@pytest.fixture
def board2(person):
    officer = person("board.officer2", Role.BOARD_OFFICER)
    officer.last_name, officer.first_name = "Trần Thị", "Mai"
    officer.save(update_fields=["last_name", "first_name"])
    return officer


def test_lines_of_two_dossiers_one_assigned_elsewhere_refuse_that_dossiers_lines_with_the_name(cast, board2):
    free, assigned = _accepted(cast, 2), _accepted(cast, 3, title="Đề nghị thứ hai")
    services.dossier_assign_officer(assigned, board2, actor=Actor(cast.board_head))
    lines = _lines(free, assigned)
    with pytest.raises(engine.BatchRefused) as refused:
        engine.perform_many(lines, "propose", user=cast.board, data=OPINION)
    expected = [
        {"id": line.pk, "status": 403, "detail": "Hồ sơ này đã giao cho Trần Thị Mai xử lý."}
        for line in lines
        if line.dossier_id == assigned.pk
    ]
    assert refused.value.errors == expected
    for line in _lines(free, assigned):
        assert line.state == NomineeState.PENDING and line.board_opinion == ""
        assert "propose" not in [event.verb for event in history_for(line)]
    # the assigned officer proposes them all (both dossiers: the free one is any Board officer's)
    engine.perform_many(lines, "propose", user=board2, data=OPINION)
    assert {line.state for line in _lines(free, assigned)} == {NomineeState.PROPOSED}
