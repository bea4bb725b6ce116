"""Counting what a piece of code asks: how many times it calls a function (the query-count tests of issue 19
check that a transition reads its conditions once)."""

from __future__ import annotations


def counting(monkeypatch, module, name) -> list:
    """Wrap `module.name` for the test so that each call appends to the list returned: its length is the count."""
    calls = []
    original = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls
