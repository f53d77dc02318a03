"""Matching a contact to its account: external id first, then the email's domain."""

from __future__ import annotations

import pytest

from feedback.matching import match_account, normalise_domain

IDS = {"CRM-1": 1, "CRM-2": 2}
DOMAINS = {"megacorp.com": 1, "initech.io": 2}


@pytest.mark.parametrize(
    ("email", "external_id", "account_id", "matched_by"),
    [
        ("a@megacorp.com", None, 1, "domain"),
        ("a@MegaCorp.COM", None, 1, "domain"),
        ("a@eu.megacorp.com", None, 1, "domain"),  # sub-domain matches its parent
        ("a@megacorp.com", "CRM-2", 2, "external_id"),  # explicit id wins over the domain
        ("a@gmail.com", "CRM-2", 2, "external_id"),
        ("a@gmail.com", None, None, "none"),  # free mail never matches
        ("a@notmegacorp.com", None, None, "none"),  # suffix is not a sub-domain
        ("a@unknown.org", None, None, "none"),
        ("a@megacorp.com", "CRM-404", None, "none"),  # a wrong id is not silently replaced
    ],
)
def test_match_account(email, external_id, account_id, matched_by):
    match = match_account(email, external_id, IDS, DOMAINS)
    assert (match.account_id, match.matched_by) == (account_id, matched_by)
    assert match.detail


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("MegaCorp.com", "megacorp.com"), ("@megacorp.com", "megacorp.com"),
     ("www.megacorp.com", "megacorp.com"), ("megacorp.com.", "megacorp.com")],
)  # fmt: skip
def test_normalise_domain(raw, clean):
    assert normalise_domain(raw) == clean
