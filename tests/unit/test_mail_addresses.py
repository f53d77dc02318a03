"""MAIL_FROM's bare address: the one helper every email that goes from MAIL_FROM asks."""

from __future__ import annotations

import pytest

from feedback.mail.addresses import bare_address


@pytest.mark.parametrize(
    "mail_from, address",
    [
        ("Acme Feedback <feedback@acme.example>", "feedback@acme.example"),
        ("feedback@acme.example", "feedback@acme.example"),
        ("  <feedback@acme.example>  ", "feedback@acme.example"),
        ('"Acme, Customer Success" <cs@acme.example>', "cs@acme.example"),
        ("Acme <Feedback@Acme.Example>", "Feedback@Acme.Example"),
    ],
)
def test_the_bare_address_of_mail_from(mail_from, address):
    assert bare_address(mail_from) == address
