"""Privacy requests: who asked us to export or erase a person's data, and the erased addresses
we must never survey again.

An erased email is kept only as a hash (ErasedEmail): enough to recognise the address when a
CRM sync or a CSV import brings it back, not enough to read it out of the table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from feedback.db import Base, utcnow


class PrivacyRequest(Base):
    """One export or erasure, as an audit record: who, when, which contact, what was done."""

    __tablename__ = "privacy_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # export, erase
    # The contact row survives an erasure (anonymous scores point at it); SET NULL covers a
    # later plain delete.
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    email_hash: Mapped[str] = mapped_column(String(64), index=True)
    actor: Mapped[str] = mapped_column(String(254))  # a user's email, or "cli:<os user>"
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(16))  # api, cli
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)  # counts of rows touched
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ErasedEmail(Base):
    """An address whose owner was erased: never survey it again, whoever re-adds it."""

    __tablename__ = "erased_emails"

    email_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(default=utcnow)
