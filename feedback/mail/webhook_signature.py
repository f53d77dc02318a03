"""Is this post really from SendGrid, and recent? The event webhook's signature check.

SendGrid signs `timestamp + raw body` with ECDSA (P-256, SHA-256) and sends the signature and
timestamp in headers. The sendgrid package's helper checks the signature but not the age, so a
captured post could be replayed for ever; we also refuse timestamps outside a window.
"""

from __future__ import annotations

import binascii
import time
from functools import lru_cache
from typing import Any

from sendgrid.helpers.eventwebhook import EventWebhook
from sendgrid.helpers.eventwebhook.eventwebhook_header import EventWebhookHeader

SIGNATURE_HEADER = EventWebhookHeader.SIGNATURE  # X-Twilio-Email-Event-Webhook-Signature
TIMESTAMP_HEADER = EventWebhookHeader.TIMESTAMP  # X-Twilio-Email-Event-Webhook-Timestamp


class SignatureRejected(Exception):
    """The post is unsigned, wrongly signed or stale; the message is safe to send back."""


class KeyInvalid(ValueError):
    """The configured public key cannot be read (a configuration error, not the caller's)."""


@lru_cache(maxsize=4)
def load_public_key(public_key: str) -> Any:
    """The key as SendGrid shows it (base64 DER, no PEM armour) as a cryptography key object."""
    try:
        return EventWebhook().convert_public_key_to_ecdsa("".join(public_key.split()))
    except (ValueError, TypeError) as exc:
        raise KeyInvalid(str(exc)) from None


def verify(
    raw_body: bytes,
    signature: str | None,
    timestamp: str | None,
    public_key: str,
    max_age: float,
    now: float | None = None,
) -> None:
    """Return if the post is signed by the key's owner within `max_age` seconds of now;
    raise SignatureRejected otherwise, and KeyInvalid when the configured key is unreadable."""
    key = load_public_key(public_key)
    if not signature or not timestamp:
        raise SignatureRejected("missing signature headers")
    timestamp = timestamp.strip()
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise SignatureRejected("malformed timestamp")
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > max_age:
        raise SignatureRejected("stale timestamp")
    try:
        payload = raw_body.decode("utf-8")
    except UnicodeDecodeError:
        raise SignatureRejected("body is not UTF-8") from None
    try:
        valid = EventWebhook().verify_signature(payload, signature.strip(), timestamp, key)
    except (binascii.Error, ValueError, TypeError):
        valid = False  # not base64, or not a DER signature at all
    if not valid:
        raise SignatureRejected("invalid signature")
