"""Signing outgoing webhook posts: HMAC-SHA256 over "timestamp.body" with the endpoint's secret.

Pure. The receiver recomputes the signature from the raw body and the X-Feedback-Timestamp
header, compares in constant time, and refuses stale timestamps so a captured post cannot be
replayed later (the timestamp is inside the signed text, so it cannot be changed either).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SCHEME = "sha256"
DEFAULT_TOLERANCE = 300  # seconds a receiver should accept between our clock and theirs


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signed_text(timestamp: int | str, body: bytes) -> bytes:
    return str(timestamp).encode("ascii") + b"." + body


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The X-Feedback-Signature value: 'sha256=<hex>'."""
    digest = hmac.new(secret.encode(), signed_text(timestamp, body), hashlib.sha256).hexdigest()
    return f"{SCHEME}={digest}"


def verify(
    secret: str,
    signature: str | None,
    timestamp: str | None,
    body: bytes,
    now: float,
    tolerance: float = DEFAULT_TOLERANCE,
) -> bool:
    """True when the signature is ours for this body and timestamp, and the timestamp is fresh.

    Several signatures separated by commas are accepted (one per secret while rotating).
    """
    if not signature or not timestamp:
        return False
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent) > tolerance:
        return False
    expected = sign(secret, sent, body)
    return any(
        hmac.compare_digest(expected.encode(), candidate.strip().encode())
        for candidate in signature.split(",")
    )
