"""What customers talk about, over time: each theme's mentions and share of comments, its
sentiment and the NPS of those who mention it beside everyone's, and its top verbatims; and
the volume and trend of emerging-theme proposals, so an admin can judge them.

Counts come from GROUP BY queries over responses and their theme tags under the dashboard's
filters (services.nps_report.Filters); the NPS arithmetic is feedback.nps.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback import nps
from feedback import themes as theme_matching
from feedback.classification import Category
from feedback.models import Account, Response, ResponseAnalysis, ResponseTheme, Theme
from feedback.models.analytics import ThemeProposal
from feedback.services import nps_report
from feedback.services.errors import NotFound
from feedback.services.theme_proposals import PROPOSAL_CATEGORIES, PROPOSAL_DAYS

TOP_VERBATIMS = 8
PROPOSAL_WEEKS = 13


def _commented() -> object:
    return func.coalesce(func.length(func.trim(Response.comment)), 0) > 0


def _nps(counts: dict[str, int]) -> nps.NpsResult:
    return nps.nps_from_counts(
        counts.get(Category.PROMOTER, 0),
        counts.get(Category.PASSIVE, 0),
        counts.get(Category.DETRACTOR, 0),
    )


@dataclass(frozen=True)
class ThemeFigures:
    """One theme in the filters' range, beside everyone's figures."""

    theme_id: int
    name: str
    mentions: int
    commented: int
    result: nps.NpsResult
    versus_rest: nps.Comparison
    polarity: float | None
    negative: int

    @property
    def share(self) -> float | None:
        """Share of the commented responses that mention the theme."""
        return self.mentions / self.commented if self.commented else None


def overview(session: Session, filters: nps_report.Filters) -> list[ThemeFigures]:
    """Every active theme mentioned in the range, most mentioned first."""
    where = nps_report.response_conditions(filters)
    commented = session.scalar(select(func.count()).where(*where, _commented())) or 0
    everyone: dict[str, int] = dict(
        session.execute(  # type: ignore[arg-type]
            select(Response.category, func.count()).where(*where).group_by(Response.category)
        ).all()
    )
    rows = session.execute(
        select(
            ResponseTheme.theme_id,
            Response.category,
            func.count(),
            func.avg(ResponseTheme.polarity),
            func.count().filter(ResponseTheme.label == "negative"),
        )
        .join(Response, Response.id == ResponseTheme.response_id)
        .where(*where)
        .group_by(ResponseTheme.theme_id, Response.category)
    ).all()
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    polarity: dict[int, list[tuple[float, int]]] = defaultdict(list)
    negative: dict[int, int] = defaultdict(int)
    for theme_id, category, count, avg, neg in rows:
        counts[theme_id][category] = count
        if avg is not None:
            polarity[theme_id].append((float(avg), count))
        negative[theme_id] += neg
    names = dict(session.execute(select(Theme.id, Theme.name)).all())
    total = _nps(everyone)
    out = []
    for theme_id, by_category in counts.items():
        result = _nps(by_category)
        weights = polarity.get(theme_id, [])
        weight = sum(c for _, c in weights)
        out.append(
            ThemeFigures(
                theme_id=theme_id,
                name=names.get(theme_id, "?"),
                mentions=result.n,
                commented=commented,
                result=result,
                versus_rest=nps.compare(result, total - result),
                polarity=sum(p * c for p, c in weights) / weight if weight else None,
                negative=negative[theme_id],
            )
        )
    return sorted(out, key=lambda t: (-t.mentions, t.name))


@dataclass(frozen=True)
class ThemePoint:
    start: date
    mentions: int
    commented: int
    result: nps.NpsResult
    overall: nps.NpsResult
    polarity: float | None

    @property
    def share(self) -> float | None:
        return self.mentions / self.commented if self.commented else None


@dataclass(frozen=True)
class Verbatim:
    response_id: int
    comment: str
    score: int | None
    category: str | None
    answered_at: datetime
    account: str | None
    polarity: float | None


@dataclass(frozen=True)
class ThemeDetail:
    theme: Theme
    figures: ThemeFigures | None
    overall: nps.NpsResult
    period: str
    points: list[ThemePoint]
    verbatims: list[Verbatim]


def detail(
    session: Session, theme_id: int, filters: nps_report.Filters, period: str | None = None
) -> ThemeDetail:
    """One theme over time (mentions, share, NPS beside the overall, sentiment) and the
    verbatims that say it most strongly, latest first among equals."""
    theme = session.get(Theme, theme_id)
    if theme is None:
        raise NotFound("There is no such theme.")
    period = period or nps_report.default_period(filters)
    bucket = nps_report.period_of(session, period)
    where = nps_report.response_conditions(filters)
    overall_rows = session.execute(
        select(bucket, Response.category, func.count(), func.count().filter(_commented()))
        .where(*where)
        .group_by(bucket, Response.category)
    ).all()
    theme_rows = session.execute(
        select(bucket, Response.category, func.count(), func.avg(ResponseTheme.polarity))
        .join(ResponseTheme, ResponseTheme.response_id == Response.id)
        .where(*where, ResponseTheme.theme_id == theme_id)
        .group_by(bucket, Response.category)
    ).all()
    everyone: dict[date, dict[str, int]] = defaultdict(dict)
    commented: dict[date, int] = defaultdict(int)
    for key, category, count, with_comment in overall_rows:
        day = date.fromisoformat(str(key)[:10])
        everyone[day][category] = count
        commented[day] += with_comment
    mentioned: dict[date, dict[str, int]] = defaultdict(dict)
    polarity: dict[date, list[tuple[float, int]]] = defaultdict(list)
    for key, category, count, avg in theme_rows:
        day = date.fromisoformat(str(key)[:10])
        mentioned[day][category] = count
        if avg is not None:
            polarity[day].append((float(avg), count))
    points = []
    for day in sorted(everyone):
        weights = polarity.get(day, [])
        weight = sum(c for _, c in weights)
        result = _nps(mentioned.get(day, {}))
        points.append(
            ThemePoint(
                day,
                result.n,
                commented[day],
                result,
                _nps(everyone[day]),
                sum(p * c for p, c in weights) / weight if weight else None,
            )
        )
    strength = func.abs(func.coalesce(ResponseTheme.polarity, 0))
    verbatims = [
        Verbatim(*row)
        for row in session.execute(
            select(
                Response.id,
                Response.comment,
                Response.score,
                Response.category,
                Response.answered_at,
                Account.name,
                ResponseTheme.polarity,
            )
            .join(ResponseTheme, ResponseTheme.response_id == Response.id)
            .outerjoin(Account, Account.id == Response.account_id)
            .where(*where, ResponseTheme.theme_id == theme_id, _commented())
            .order_by(strength.desc(), Response.answered_at.desc(), Response.id.desc())
            .limit(TOP_VERBATIMS)
        )
    ]
    figures = next((f for f in overview(session, filters) if f.theme_id == theme_id), None)
    return ThemeDetail(
        theme=theme,
        figures=figures,
        overall=_nps({k: sum(e.get(k, 0) for e in everyone.values()) for k in Category}),
        period=period,
        points=points,
        verbatims=verbatims,
    )


@dataclass(frozen=True)
class ProposalTrend:
    """A proposal's comments per week over the proposal window, and the change between its
    two halves: a phrase that is rising deserves a look before one that is fading."""

    proposal_id: int
    weekly: list[int]
    earlier: int
    recent: int

    @property
    def volume(self) -> int:
        return sum(self.weekly)

    @property
    def direction(self) -> str:
        if self.recent > self.earlier * 1.5 and self.recent - self.earlier >= 2:
            return "rising"
        if self.earlier > self.recent * 1.5 and self.earlier - self.recent >= 2:
            return "fading"
        return "steady"


def proposal_trends(
    session: Session, proposals: list[ThemeProposal], now: datetime | None = None
) -> dict[int, ProposalTrend]:
    """Weekly volume of each proposal's phrase in the comments the proposals come from."""
    now = now or datetime.now(UTC)
    if not proposals:
        return {}
    since = now - timedelta(days=PROPOSAL_DAYS)
    rows = session.execute(
        select(Response.comment, Response.answered_at)
        .outerjoin(ResponseAnalysis, ResponseAnalysis.response_id == Response.id)
        .where(
            Response.comment.is_not(None),
            Response.category.in_(PROPOSAL_CATEGORIES),
            Response.answered_at >= since,
            (ResponseAnalysis.language.is_(None)) | (ResponseAnalysis.language == "en"),
        )
    ).all()
    weeks = PROPOSAL_WEEKS
    wanted = {p.id: tuple(p.stems.split()) for p in proposals}
    weekly = {pid: [0] * weeks for pid in wanted}
    for comment, answered_at in rows:
        if not comment or not comment.strip():
            continue
        stems = theme_matching.comment_stems(comment)
        age = (now - answered_at).days // 7
        slot = max(0, weeks - 1 - min(age, weeks - 1))
        for pid, phrase in wanted.items():
            if theme_matching.contains_phrase(stems, phrase):
                weekly[pid][slot] += 1
    half = weeks // 2
    return {
        pid: ProposalTrend(pid, counts, sum(counts[:half]), sum(counts[-half:]))
        for pid, counts in weekly.items()
    }
