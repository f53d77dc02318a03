"""Survey programs: what we ask, whom, how often, and in which words per locale."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from feedback.db import Base, utcnow

PROGRAM_KINDS = ("nps", "onboarding")


class SurveyProgram(Base):
    """A relationship-NPS cadence or an onboarding check-in series.

    `audience` filters contacts ({"plan": [...], "region": [...], "lifecycle_stage": [...],
    "contact_attributes": {...}}); `triggers` lists onboarding milestones
    ([{"milestone": "week1", "days_after_signup": 7}, {"milestone": "renewal",
    "days_before_renewal": 60}, {"milestone": "activated", "event": "onboarding_completed"}]);
    `content` holds per-locale words ({"en": {"subject": ..., "intro": ...}}).
    """

    __tablename__ = "survey_programs"
    __table_args__ = (
        CheckConstraint("kind IN ('nps', 'onboarding')", name="kind"),
        CheckConstraint("cadence_days > 0", name="cadence_positive"),
        CheckConstraint("fatigue_days >= 0", name="fatigue_not_negative"),
        CheckConstraint("sample_percent BETWEEN 0 AND 100", name="sample_percent"),
        CheckConstraint("daily_cap IS NULL OR daily_cap > 0", name="daily_cap_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=False)
    priority: Mapped[int] = mapped_column(default=100)  # lower goes first
    product_name: Mapped[str] = mapped_column(String(120), default="our product")
    sender_name: Mapped[str] = mapped_column(String(120), default="Customer Success")
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)
    cadence_days: Mapped[int] = mapped_column(default=90)
    fatigue_days: Mapped[int] = mapped_column(default=30)
    sample_percent: Mapped[int] = mapped_column(default=100)
    daily_cap: Mapped[int | None]
    reminder_after_days: Mapped[int | None] = mapped_column(default=3)
    response_window_days: Mapped[int] = mapped_column(default=30)
    triggers: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    content: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The language of a contact whose own and account's language we do not know.
    default_locale: Mapped[str] = mapped_column(String(16), default="en", server_default="en")
    review_url: Mapped[str | None] = mapped_column(String(500))
    referral_enabled: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str | None] = mapped_column(Text)
    # Branding: what the emails, survey and thank-you pages show of the sender. None: the
    # site's MAIL_FROM address, no logo, the house blue, no footer.
    sender_email: Mapped[str | None] = mapped_column(String(254))
    logo_url: Mapped[str | None] = mapped_column(String(500))
    accent_color: Mapped[str | None] = mapped_column(String(7))  # "#0a58ca"
    footer_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
