"""SQLite only: `LIKE` that ignores case beyond ASCII, as PostgreSQL's `UPPER(…) LIKE UPPER(…)` does.

Django's `icontains` / `istartswith` become `LIKE … ESCAPE '\\'` on SQLite, whose built-in LIKE folds only
A–Z: a search for «đức» missed «Đức», «ánh» missed «Ánh» — most Vietnamese family and given names start with a
letter it does not fold (Đ, Ă, Â, Ê, Ô, Ơ, Ư and the marked vowels). SQLite lets an application replace
like(); this one compares case-folded text with the same wildcards (% and _) and escape character. Registered
on every new SQLite connection (workflows.apps); PostgreSQL is untouched.
"""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=512)
def _pattern(pattern: str, escape: str | None) -> re.Pattern:
    parts, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if escape and char == escape and i + 1 < len(pattern):
            parts.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        parts.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        i += 1
    return re.compile("".join(parts), re.DOTALL)


def like(pattern, value, escape=None):
    """SQLite's like(Y, X[, Z]) for `X LIKE Y [ESCAPE Z]`: NULL in, NULL out."""
    if pattern is None or value is None:
        return None
    return _pattern(str(pattern).casefold(), escape).fullmatch(str(value).casefold()) is not None


def register(sender, connection, **kwargs) -> None:
    """connection_created receiver: on SQLite, replace like() (two and three arguments)."""
    if connection.vendor != "sqlite":
        return
    raw = connection.connection
    raw.create_function("like", 2, like, deterministic=True)
    raw.create_function("like", 3, like, deterministic=True)
