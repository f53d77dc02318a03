"""The staff home page's numbers: NPS per program and region with honest error bars, and the
onboarding answers' own figures per milestone (they are not NPS and never count in it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from feedback import nps, questions
from feedback.classification import Category
from feedback.models import Account, Contact, Invitation, Response, SurveyProgram, Team, User


@dataclass(frozen=True)
class NpsRow:
    label: str
    result: nps.NpsResult


def _rows(session: Session, group, since: datetime) -> list[tuple[str, str, int]]:  # type: ignore[no-untyped-def]
    return list(
        session.execute(
            select(group, Response.category, func.count())
            .select_from(Response)
            .join(SurveyProgram, Response.program_id == SurveyProgram.id)
            .outerjoin(Account, Response.account_id == Account.id)
            .where(Response.scale == questions.NPS.name, Response.answered_at >= since)
            .where(Response.category.in_(questions.NPS.categories))
            .group_by(group, Response.category)
        )
    )


def _results(rows: list[tuple[str, str, int]]) -> list[NpsRow]:
    counts: dict[str, dict[str, int]] = {}
    for label, category, count in rows:
        counts.setdefault(label or "unknown", {})[category] = count
    return [
        NpsRow(
            label,
            nps.nps_from_counts(
                c.get(Category.PROMOTER, 0),
                c.get(Category.PASSIVE, 0),
                c.get(Category.DETRACTOR, 0),
            ),
        )
        for label, c in sorted(counts.items())
    ]


def nps_overview(
    session: Session, days: int = 90, now: datetime | None = None
) -> dict[str, list[NpsRow]]:
    """NPS of the last `days` by program and by region, each with its 95% interval."""
    since = (now or datetime.now(UTC)) - timedelta(days=days)
    return {
        "program": _results(_rows(session, SurveyProgram.name, since)),
        "region": _results(_rows(session, Account.region, since)),
    }


# Every kind but NPS, named: `scale IN (...)` leads the (scale, answered_at) index, where
# `scale != 'nps'` read every answer of the range to find the few onboarding ones.
ONBOARDING_SCALES = tuple(name for name in questions.KINDS if name != questions.NPS.name)


@dataclass(frozen=True)
class OnboardingRow:
    """One milestone's answers: how many, and how many in the kind's good category."""

    program: str
    milestone: str
    kind: str
    answers: int
    good: int
    good_category: str

    @property
    def share(self) -> float | None:
        """The share of answers in the good category (on track, easy), 0–1."""
        return self.good / self.answers if self.answers else None


def onboarding_overview(
    session: Session,
    days: int = 90,
    now: datetime | None = None,
    *,
    where: Sequence[ColumnElement[bool]] = (),
) -> list[OnboardingRow]:
    """Per onboarding milestone: the share of answers "on track" (closeness) or "easy".

    `where` replaces the last-`days` window with the caller's own conditions on Response
    (the dashboard's filters)."""
    since = (now or datetime.now(UTC)) - timedelta(days=days)
    conditions = list(where) or [Response.answered_at >= since]
    rows = session.execute(
        select(
            SurveyProgram.name,
            Invitation.milestone,
            Response.scale,
            Response.category,
            func.count(),
        )
        .select_from(Response)
        .join(SurveyProgram, Response.program_id == SurveyProgram.id)
        .join(Invitation, Invitation.id == Response.invitation_id)
        .where(Response.scale.in_(ONBOARDING_SCALES), *conditions)
        .where(Response.category.is_not(None))
        .group_by(SurveyProgram.name, Invitation.milestone, Response.scale, Response.category)
    ).all()
    tally: dict[tuple[str, str, str], list[int]] = {}
    for program, milestone, scale, category, count in rows:
        kind = questions.kind(scale)
        counts_ = tally.setdefault((program, milestone or "", kind.name), [0, 0])
        counts_[0] += count
        counts_[1] += count if category == kind.good else 0
    return [
        OnboardingRow(p, m, k, n, good, questions.kind(k).good)
        for (p, m, k), (n, good) in sorted(tally.items())
    ]


def counts(session: Session) -> dict[str, int]:
    """How big the tenant is, for the home page."""
    return {
        label: session.scalar(select(func.count()).select_from(model)) or 0
        for label, model in (
            ("accounts", Account),
            ("contacts", Contact),
            ("teams", Team),
            ("staff users", User),
        )
    }
