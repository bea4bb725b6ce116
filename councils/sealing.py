"""Sealed ballots: a choice encrypted (AES-256-GCM) under the ballot key, which never lives in the database.

The key is settings.BALLOT_KEY (env DJANGO_BALLOT_KEY, 32 bytes in base64) or, when that is unset, derived from
SECRET_KEY with HKDF-SHA256 and a fixed label. Every sealed value has a random 96-bit nonce and is bound to what
it belongs to (the agenda item, or the written vote) through the associated data, so a sealed ballot copied to
another item does not open. Every choice is encoded on the same number of bytes, so the length of a sealed
ballot says nothing about its choice.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

NONCE_BYTES = 12
#: Every choice is padded to this many bytes before sealing (the longest code, "disagree", is 8).
CHOICE_BYTES = 16
HKDF_INFO = b"tdkt councils ballot key v1"


class BrokenSeal(Exception):
    """A sealed value that does not open with the current key (another key, or altered bytes)."""


def ballot_key() -> bytes:
    configured = getattr(settings, "BALLOT_KEY", None)
    if configured:
        return configured
    return _derived_key(settings.SECRET_KEY)


@lru_cache(maxsize=4)
def _derived_key(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(secret.encode())


@lru_cache(maxsize=4)
def _aead(key: bytes) -> AESGCM:
    return AESGCM(key)


def _seal(plaintext: bytes, context: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + _aead(ballot_key()).encrypt(nonce, plaintext, context)


def _open(sealed: bytes, context: bytes) -> bytes:
    sealed = bytes(sealed)
    try:
        return _aead(ballot_key()).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context)
    except (InvalidTag, ValueError) as exc:
        raise BrokenSeal(str(exc) or "invalid tag") from exc


def _pad(choice: str) -> bytes:
    raw = choice.encode("ascii")
    if len(raw) > CHOICE_BYTES:
        raise ValueError(choice)
    return raw.ljust(CHOICE_BYTES, b"\0")


def _item_context(item_id: int) -> bytes:
    return f"councils.ballot:item={int(item_id)}".encode()


def seal_choice(item_id: int, choice: str) -> bytes:
    """The sealed form of one ballot on one item (always NONCE_BYTES + CHOICE_BYTES + 16 bytes long)."""
    return _seal(_pad(choice), _item_context(item_id))


def open_choice(item_id: int, sealed: bytes) -> str:
    return _open(sealed, _item_context(item_id)).rstrip(b"\0").decode("ascii")


def _written_context(session_id: int, member_id: int) -> bytes:
    return f"councils.written_vote:session={int(session_id)}:member={int(member_id)}".encode()


def seal_sheet(session_id: int, member_id: int, choices: dict[int, str]) -> bytes:
    """A written vote's choices, sealed while it waits for confirmation (fixed length per item)."""
    rows = [[int(item_id), _pad(choice).hex()] for item_id, choice in sorted(choices.items())]
    return _seal(json.dumps(rows, separators=(",", ":")).encode(), _written_context(session_id, member_id))


def open_sheet(session_id: int, member_id: int, sealed: bytes) -> dict[int, str]:
    rows = json.loads(_open(sealed, _written_context(session_id, member_id)))
    return {int(item_id): bytes.fromhex(code).rstrip(b"\0").decode("ascii") for item_id, code in rows}
