"""What an erasure leaves behind, decided without a database: the hash that recognises an
erased address, the placeholder address an erased contact keeps, and text with a person's
name and address blanked out.

The hash is SHA-256 of the normalised address under a fixed prefix. It is not secret (a
dictionary of addresses can be hashed too); it is there so the table that stops us
re-surveying a person does not list their address in the clear.
"""

from __future__ import annotations

import hashlib
import re

# RFC 2606: .invalid never resolves, so no email can ever go to an erased contact's address.
ERASED_DOMAIN = "erased.invalid"
REDACTED = "[erased]"


def email_hash(email: str) -> str:
    """The key an erased address is remembered by (the address lower-cased and trimmed)."""
    return hashlib.sha256(f"feedback-erased:{email.strip().lower()}".encode()).hexdigest()


def erased_address(contact_id: int) -> str:
    """The unique, undeliverable address an erased contact row keeps (the column is unique)."""
    return f"erased-{contact_id}@{ERASED_DOMAIN}"


def is_erased_address(email: str | None) -> bool:
    return bool(email) and email.endswith(f"@{ERASED_DOMAIN}")  # type: ignore[union-attr]


def redact(text: str | None, *identifiers: str | None) -> str | None:
    """`text` with each identifier (a name, an address) replaced, case-insensitively.

    Used on text staff wrote about the person (task titles): the sentence stays readable
    ("Recover: [erased] (MegaCorp) scored 3"), the person is gone.
    """
    if text is None:
        return None
    for identifier in sorted({i.strip() for i in identifiers if i and i.strip()}, key=len,
                             reverse=True):  # fmt: skip
        text = re.sub(re.escape(identifier), REDACTED, text, flags=re.IGNORECASE)
    return text
