"""Who works in the product: teams (with their department), staff users and API tokens."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback import sla
from feedback.db import Base, JSONType, utcnow
from feedback.roles import ROLE_VALUES, Role

__all__ = [
    "ROLE_VALUES", "ApiToken", "AuditEvent", "Department", "PasswordReset", "Role", "Team", "User",
]  # fmt: skip


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    department: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Business hours its SLA clocks count, in `timezone`: working days ("mon,tue,...") and
    # the opening and closing wall-clock times of each of them.
    business_days: Mapped[str] = mapped_column(
        String(27), default=",".join(sla.STANDARD.day_names), server_default="mon,tue,wed,thu,fri"
    )
    business_start: Mapped[time] = mapped_column(
        Time, default=sla.STANDARD.start, server_default="09:00:00"
    )
    business_end: Mapped[time] = mapped_column(
        Time, default=sla.STANDARD.end, server_default="17:00:00"
    )
    # The team lead named on the people pages; use_alter: users and teams point at each other.
    lead_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL", use_alter=True)
    )
    # An archived team takes no new members or routed work but keeps its history.
    archived_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[User]] = relationship(back_populates="team", foreign_keys="User.team_id")
    lead: Mapped[User | None] = relationship(foreign_keys=[lead_user_id])

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    @property
    def business_hours(self) -> sla.BusinessHours:
        """The hours its SLA clocks count; the standard ones if the stored ones are unusable
        (the services refuse such values, so only a hand-edited row gets here)."""
        try:
            return sla.hours_from(
                self.business_days or "",
                self.business_start or sla.DAY_START,
                self.business_end or sla.DAY_END,
            )
        except sla.HoursError:
            return sla.STANDARD


class Department(Base):
    """A department teams belong to (teams name it in `Team.department`), with its head."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    head_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    archived_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    head: Mapped[User | None] = relationship()


class User(Base):
    """A staff member. Flask-Login's interface is implemented here to keep one user class."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN {ROLE_VALUES!r}".replace(",)", ")"), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # The IANA zone staff pages show times in; None follows the team's zone (else UTC).
    time_zone: Mapped[str | None] = mapped_column(String(64))
    # Part of the session's user id: raising it (logout, password change) ends every session.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    team: Mapped[Team | None] = relationship(back_populates="members", foreign_keys=[team_id])

    # Flask-Login
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """What the session cookie holds: the id and the epoch it was signed in under."""
        return f"{self.id}.{self.session_epoch or 0}"


class ApiToken(Base):
    """A machine's bearer token. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    # "read" or "write" (feedback.token_scopes), and the resources it opens ("*" is all).
    access: Mapped[str] = mapped_column(String(8), default="write", server_default="write")
    resources: Mapped[str] = mapped_column(String(400), default="*", server_default="*")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class AuditEvent(Base):
    """Who changed which person, team, department or token, when, and from what to what."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # The actor's email at the time (kept when the user is deleted), or "system"/"cli".
    actor_label: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int | None]
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class PasswordReset(Base):
    """An emailed one-time password reset link; only its hash is stored."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
