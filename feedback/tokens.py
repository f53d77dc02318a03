"""Opaque random tokens for links, reply addresses and API access; only their hash is stored.

The tokens carry 256 random bits, so a plain SHA-256 is enough to store them (there is no
dictionary to attack), and lookups stay a single indexed equality.
"""

from __future__ import annotations

import hashlib
import secrets


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    """Cheap shape check before a database lookup: URL-safe base64 of 32 bytes (43 chars)."""
    return 20 <= len(token) <= 80 and all(c.isalnum() or c in "-_" for c in token)
