"""The customers we survey: accounts (from the CRM), their email domains and their contacts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.db import Base, utcnow
from feedback.models.org import User

LIFECYCLE_STAGES = ("onboarding", "adoption", "growth", "renewal", "at_risk")


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'churned')", name="status"),
        CheckConstraint("arr >= 0", name="arr_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    plan: Mapped[str | None] = mapped_column(String(60), index=True)
    region: Mapped[str | None] = mapped_column(String(60), index=True)
    industry: Mapped[str | None] = mapped_column(String(120))
    arr: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    lifecycle_stage: Mapped[str | None] = mapped_column(String(60))
    customer_since: Mapped[date | None]
    renewal_date: Mapped[date | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    timezone: Mapped[str | None] = mapped_column(String(64))
    # The language its contacts are written to when a contact has none of their own.
    locale: Mapped[str | None] = mapped_column(String(16))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    owner: Mapped[User | None] = relationship()
    domains: Mapped[list[AccountDomain]] = relationship(
        back_populates="account", cascade="all, delete-orphan", order_by="AccountDomain.domain"
    )
    contacts: Mapped[list[Contact]] = relationship(back_populates="account")

    @property
    def domain_names(self) -> list[str]:
        return [d.domain for d in self.domains]


class AccountDomain(Base):
    """An email domain known to belong to one account: how a contact without an id is matched."""

    __tablename__ = "account_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    domain: Mapped[str] = mapped_column(String(253), unique=True)

    account: Mapped[Account] = relationship(back_populates="domains")


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lowercase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    timezone: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(16))
    signed_up_on: Mapped[date | None]
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    unsubscribed: Mapped[bool] = mapped_column(default=False)
    bounced: Mapped[bool] = mapped_column(default=False)
    spam_reported: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    account: Mapped[Account | None] = relationship(back_populates="contacts")


class LifecycleEvent(Base):
    """Something that happened to a contact in our product (signed_up, onboarding_completed),
    posted by a CRM or the product, which onboarding triggers can start from."""

    __tablename__ = "lifecycle_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80), index=True)
    occurred_at: Mapped[datetime]
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccountHealth(Base):
    """An account's health score (0-100) as the last job run computed it, with the parts it
    was made of (feedback.health) and the score before, so a drop can be seen and acted on."""

    __tablename__ = "account_health"
    __table_args__ = (CheckConstraint("score BETWEEN 0 AND 100", name="score_range"),)

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    score: Mapped[int] = mapped_column(Integer, index=True)
    parts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    previous_score: Mapped[int | None]
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    previous_computed_at: Mapped[datetime | None]
