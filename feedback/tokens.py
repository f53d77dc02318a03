"""Opaque random tokens for links, reply addresses and API access; only their hash is stored.

The tokens carry 256 random bits, so a plain SHA-256 is enough to store them (there is no
dictionary to attack), and lookups stay a single indexed equality.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from collections.abc import Iterator

TOKEN_BYTES = 32


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(TOKEN_BYTES)


def token_stream(batch: int = 4096) -> Iterator[str]:
    """Tokens like new_token's, for a caller that makes thousands (dispatch: two per
    invitation): the same operating-system randomness, read `batch` tokens' worth at a time
    instead of one system call each."""
    while True:
        pool = os.urandom(TOKEN_BYTES * batch)
        for start in range(0, len(pool), TOKEN_BYTES):
            chunk = pool[start : start + TOKEN_BYTES]
            yield base64.urlsafe_b64encode(chunk).rstrip(b"=").decode("ascii")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    """Cheap shape check before a database lookup: URL-safe base64 of 32 bytes (43 chars)."""
    return 20 <= len(token) <= 80 and all(c.isalnum() or c in "-_" for c in token)
