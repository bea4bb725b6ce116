"""A person's name as Vietnamese write it: the one helper for pages, e-mails, PDFs, exports and the API."""

from __future__ import annotations


def full_name(user) -> str:
    """Family and middle names first, then the given name: last_name "Nguyễn Thị" + first_name "Lan" give
    "Nguyễn Thị Lan". A user without a name is shown by username; no user (the system) gives ""."""
    if user is None:
        return ""
    name = " ".join(f"{user.last_name or ''} {user.first_name or ''}".split())
    return name or user.get_username()
