"""Email addresses as the mail headers need them.

MAIL_FROM is configured as 'Name <address>' (or a bare address); the backends want the bare
address and the sender name apart, so every email that goes from MAIL_FROM asks this helper.
"""

from __future__ import annotations

from email.utils import parseaddr


def bare_address(mail_from: str) -> str:
    """The bare address of 'Name <address>' (or of a bare address)."""
    return parseaddr(str(mail_from))[1] or str(mail_from).strip()
