"""Webhook signatures: what a receiver computes must match what we send."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from feedback import signing

BODY = b'{"type":"reply.received","data":{"text":"h\xc3\xa9llo"}}'
SECRET = "whsec_test"


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert signing.sign(SECRET, 1700000000, BODY) == f"sha256={expected}"


def test_a_fresh_signature_verifies():
    sig = signing.sign(SECRET, 1700000000, BODY)
    assert signing.verify(SECRET, sig, "1700000000", BODY, now=1700000100)


@pytest.mark.parametrize(
    ("secret", "timestamp", "body", "now"),
    [
        ("other-secret", "1700000000", BODY, 1700000000),  # wrong secret
        (SECRET, "1700000001", BODY, 1700000000),  # timestamp changed
        (SECRET, "1700000000", BODY + b" ", 1700000000),  # body changed
        (SECRET, "1700000000", BODY, 1700000000 + 301),  # stale: a replay
        (SECRET, "1700000000", BODY, 1700000000 - 301),  # from the future
        (SECRET, "not-a-number", BODY, 1700000000),
    ],
)
def test_anything_changed_or_stale_is_refused(secret, timestamp, body, now):
    sig = signing.sign(SECRET, 1700000000, BODY)
    assert not signing.verify(secret, sig, timestamp, body, now=now)


@pytest.mark.parametrize("signature", [None, "", "sha256=", "sha256=00", "md5=abc"])
def test_missing_or_garbled_signatures_are_refused(signature):
    assert not signing.verify(SECRET, signature, "1700000000", BODY, now=1700000000)


def test_one_of_several_signatures_is_enough_while_rotating_secrets():
    good = signing.sign(SECRET, 1700000000, BODY)
    old = signing.sign("old", 1700000000, BODY)
    assert signing.verify(SECRET, f"{old}, {good}", "1700000000", BODY, now=1700000000)


def test_new_secrets_are_long_and_different():
    a, b = signing.new_secret(), signing.new_secret()
    assert a != b and len(a) > 40
