"""The full matrix: from each state, which transitions exist and which of the cast may perform each one."""

import pytest

from dossiers.lifecycle import DossierLifecycle, DossierNomineeLifecycle
from workflows import engine

from .consultation_helpers import consult_all
from .helpers import council_result, council_session, ready_dossier, walk_to

pytestmark = pytest.mark.django_db

CAST = ("officer", "head", "officer2", "head2", "board", "board_head", "chairman", "auditor")


def matrix(cast, flow) -> dict[str, set[str]]:
    """{transition available from the current state: who holds a role for it}."""
    result = {}
    for name in flow.transition_methods():
        if flow.current_transition(name) is None:
            continue
        result[name] = {who for who in CAST if engine.check(flow, name, getattr(cast, who)).status != 403}
    return result


def dossier_matrix(cast, dossier):
    dossier.refresh_from_db()
    return matrix(cast, DossierLifecycle(dossier))


def line_matrix(cast, line):
    line.refresh_from_db()
    return matrix(cast, DossierNomineeLifecycle(line))


def test_who_may_do_what_from_each_dossier_state(cast):
    dossier = ready_dossier(cast, lines=(("cstd-tq", None),))
    line = dossier.lines.get()
    assert dossier_matrix(cast, dossier) == {"submit": {"head"}, "withdraw": {"head"}}
    assert line_matrix(cast, line) == {"propose": {"board"}, "not_propose": {"board"}}  # refused by condition
    walk_to(cast, dossier, "submitted")
    assert dossier_matrix(cast, dossier) == {
        "return_for_supplement": {"board"},
        "accept": {"board"},
        "withdraw": {"head"},
    }
    engine.perform(
        dossier,
        "return_for_supplement",
        user=cast.board,
        data={"comment": "Thiếu", "items": "Thiếu", "working_days": 3},
    )
    assert dossier_matrix(cast, dossier) == {"resubmit": {"head"}, "withdraw": {"head"}}
    engine.perform(dossier, "resubmit", user=cast.head)
    engine.perform(dossier, "accept", user=cast.board)
    assert dossier_matrix(cast, dossier) == {"sign_off": {"board_head"}}
    engine.perform(line, "propose", user=cast.board, data={"comment": "Đủ"})
    assert line_matrix(cast, line) == {"place_on_agenda": {"board"}}
    engine.perform(dossier, "sign_off", user=cast.board_head)
    assert dossier_matrix(cast, dossier) == {"schedule": {"board"}}
    engine.perform(dossier, "schedule", user=cast.board, data={"session": council_session(cast).pk})
    assert dossier_matrix(cast, dossier) == {"record_council_results": set()}
    assert line_matrix(cast, line) == {"council_pass": set(), "council_fail": set()}
    council_result(line, True)
    # decide is the chairman's straight after the vote too, refused while a passed line's award keeps the posting
    assert dossier_matrix(cast, dossier) == {"post": {"board"}, "decide": {"chairman"}, "close": {"board"}}
    engine.perform(dossier, "post", user=cast.board, data={"working_days": 10})
    assert dossier_matrix(cast, dossier) == {"decide": {"chairman"}}
    assert line_matrix(cast, line) == {"reappraise": {"board_head"}, "approve": set(), "reject": set()}
    from dossiers.models import Dossier

    Dossier.objects.filter(pk=dossier.pk).update(posted_until="2024-01-01")
    engine.perform(
        dossier,
        "decide",
        user=cast.chairman,
        data={"decision_number": "1", "decision_date": "2024-02-01", "approved": str(line.pk)},
    )
    assert dossier_matrix(cast, dossier) == {"forward": {"board"}, "close": {"board"}}
    assert line_matrix(cast, line) == {"forward": set()}
    consult_all(cast, dossier)
    engine.perform(
        dossier,
        "forward",
        user=cast.board,
        data={"submission_number": "2/TTr-UBND", "submission_date": "2024-02-05"},
    )
    assert dossier_matrix(cast, dossier) == {"close": {"board"}}
    assert line_matrix(cast, line) == {"central_approve": {"board"}, "central_reject": {"board"}}
    engine.perform(line, "central_reject", user=cast.board, data={"comment": "Không đạt ở Trung ương"})
    assert line_matrix(cast, line) == {}
    engine.perform(dossier, "close", user=cast.board)
    assert dossier_matrix(cast, dossier) == {}


def test_withdrawn_is_final(cast):
    dossier = walk_to(cast, ready_dossier(cast), "submitted")
    engine.perform(dossier, "withdraw", user=cast.head, data={"comment": "Rút"})
    assert dossier_matrix(cast, dossier) == {}
