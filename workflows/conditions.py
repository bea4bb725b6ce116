"""Transition conditions that read a lot (a quorum, a round's eligibility) evaluated once per transition.

`engine.perform` evaluates a transition's conditions in `engine.check` (to refuse with the right status and
message), then viewflow evaluates them again as the transition begins, on the same flow object, with nothing
written in between: the second answer is the first. A condition decorated with `evaluated_once` gives that
second call the first one's answer instead of reading the database again.

The answer is reused only for the flow whose conditions were evaluated last, in the same state: in
`engine.perform_many`, every object is checked before any transition runs, and each transition's start
re-evaluates its own conditions after its siblings' transitions have run, so a batch re-reads them as before
(the first memoised condition evaluated for another flow forgets the previous flow's answers). Decorate only
conditions that are the first of their transition's list or follow other decorated ones, so that a batch's
re-evaluation always goes through one of them.

`batch_pass()` marks the check pass of `engine.perform_many` (every object checked, nothing written yet): a
permission layer may keep there, with `pass_memo()`, what is the same for every object of the batch and cannot
change meanwhile (the unit of a line's dossier, fixed when the dossier is created), read once per pass instead
of once per object. Outside a pass `pass_memo()` is None and everything is read as before.
"""

from __future__ import annotations

import functools
import weakref
from contextlib import contextmanager
from contextvars import ContextVar

#: (the flow, its state, {condition: answer}) of the flow whose decorated conditions were evaluated last
_LAST: ContextVar[tuple | None] = ContextVar("workflows_conditions_last", default=None)

#: what the permission layer kept during the current check pass of a batch (see the module's docstring)
_PASS: ContextVar[dict | None] = ContextVar("workflows_conditions_pass", default=None)


def evaluated_once(condition):
    """Decorate a transition condition `condition(flow)`: see the module's docstring."""

    @functools.wraps(condition)
    def once(flow):
        state = flow.state
        last = _LAST.get()
        if last is not None and last[0]() is flow and last[1] == state:
            answers = last[2]
            if condition in answers:
                return answers.pop(condition)  # once: a third evaluation reads again
        else:
            answers = {}
            _LAST.set((weakref.ref(flow), state, answers))
        answer = condition(flow)
        answers[condition] = answer
        return answer

    return once


def forget() -> None:
    """Drop the remembered answers (tests; a caller about to evaluate a flow's conditions afresh)."""
    _LAST.set(None)


@contextmanager
def batch_pass():
    """The check pass of a batch: `pass_memo()` is a fresh dict until the block ends."""
    token = _PASS.set({})
    try:
        yield
    finally:
        _PASS.reset(token)


def pass_memo() -> dict | None:
    """The current check pass's memo (a dict), or None outside one."""
    return _PASS.get()
