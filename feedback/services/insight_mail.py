"""The weekly insight email for department heads and admins: NPS and its change (with whether
the change is real), the top themes and how they moved, the segments that stand out, and
how the backlog moved.

Once per person per week: from Monday 07:00 in the person's team's zone, the first run of the
job sends it; an email of this kind already queued since that Monday means it was sent. The
email goes through the outbox in the job's transaction (services.staff_mail).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback import sla
from feedback.models import BacklogEvent, BacklogItem, OutboxEmail, User
from feedback.roles import Role
from feedback.services import nps_report, nps_segments, theme_insight
from feedback.services.staff_mail import staff_email, team_timezone

KIND = "weekly_insight"
SEND_FROM_HOUR = 7
HOT_SPOT_DAYS = 28  # a week is too few answers to tell a segment from the rest
TOP_THEMES = 5
TOP_HOT_SPOTS = 3
RECIPIENT_ROLES = (Role.ADMIN, Role.DEPARTMENT_HEAD)


@dataclass(frozen=True)
class ThemeMove:
    name: str
    mentions: int
    before: int

    @property
    def change(self) -> int:
        return self.mentions - self.before


@dataclass(frozen=True)
class BacklogMove:
    created: int
    status_changes: list[tuple[str, str | None, str | None]]  # (title, from, to)
    shipped: int


@dataclass(frozen=True)
class WeeklyInsight:
    start: datetime
    end: datetime
    overall: nps_report.Overall
    themes: list[ThemeMove]
    hot_spots: list[nps_segments.SegmentRow]
    backlog: BacklogMove
    department: str | None


def _week_start(now: datetime, tz: str) -> datetime:
    """Monday 00:00 of `now`'s week in the zone, as UTC."""
    zone = sla.zone(tz)
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, time(0), tzinfo=zone).astimezone(UTC)


def weekly_insight(session: Session, user: User, now: datetime) -> WeeklyInsight:
    """The figures of the seven UTC days before `now`'s day, against the seven before them."""
    today = now.astimezone(UTC).date()
    week = nps_report.Filters(today - timedelta(days=7), today - timedelta(days=1), today=today)
    before = nps_report.Filters(today - timedelta(days=14), today - timedelta(days=8), today=today)
    month = nps_report.Filters(
        today - timedelta(days=HOT_SPOT_DAYS), today - timedelta(days=1), today=today
    )
    previous = {t.theme_id: t.mentions for t in theme_insight.overview(session, before)}
    themes = [
        ThemeMove(t.name, t.mentions, previous.get(t.theme_id, 0))
        for t in theme_insight.overview(session, week)[:TOP_THEMES]
    ]
    hot = [h for h in nps_segments.hot_spots(session, month) if h.significant][:TOP_HOT_SPOTS]
    department = user.team.department if user.role == Role.DEPARTMENT_HEAD and user.team else None
    return WeeklyInsight(
        start=week.since,
        end=week.until,
        overall=nps_report.overall(session, week),
        themes=themes,
        hot_spots=hot,
        backlog=_backlog_move(session, week.since, week.until, department),
        department=department,
    )


def _backlog_move(
    session: Session, since: datetime, until: datetime, department: str | None
) -> BacklogMove:
    scope = [BacklogItem.department == department] if department else []
    created = session.scalar(
        select(func.count())
        .select_from(BacklogItem)
        .where(*scope, BacklogItem.created_at >= since, BacklogItem.created_at < until)
    )
    changes = session.execute(
        select(BacklogItem.title, BacklogEvent.from_value, BacklogEvent.to_value)
        .join(BacklogItem, BacklogItem.id == BacklogEvent.item_id)
        .where(
            *scope,
            BacklogEvent.kind == "status",
            BacklogEvent.created_at >= since,
            BacklogEvent.created_at < until,
        )
        .order_by(BacklogEvent.created_at, BacklogEvent.id)
    ).all()
    return BacklogMove(
        created=created or 0,
        status_changes=[(t, f, to) for t, f, to in changes],
        shipped=sum(1 for _, _, to in changes if to == "shipped"),
    )


def send_weekly_insight(
    session: Session, config: Mapping[str, Any], now: datetime | None = None
) -> dict[str, int]:
    """Queue this week's insight email to every active admin and department head not yet
    sent one this week, once their Monday morning has come."""
    now = now or datetime.now(UTC)
    stats = {"sent": 0, "too_early": 0, "already_sent": 0}
    users = session.scalars(
        select(User)
        .where(User.active.is_(True), User.role.in_([r.value for r in RECIPIENT_ROLES]))
        .order_by(User.id)
    ).all()
    for user in users:
        tz = team_timezone(session, user.team_id)
        week_start = _week_start(now, tz)
        if now < week_start + timedelta(hours=SEND_FROM_HOUR):
            stats["too_early"] += 1
            continue
        if session.scalar(
            select(OutboxEmail.id)
            .where(
                OutboxEmail.kind == KIND,
                OutboxEmail.to_email == user.email,
                OutboxEmail.created_at >= week_start,
            )
            .limit(1)
        ):
            stats["already_sent"] += 1
            continue
        insight = weekly_insight(session, user, now)
        base = str(config.get("PUBLIC_URL", "")).rstrip("/")
        staff_email(
            session,
            config,
            kind=KIND,
            template="weekly_insight",
            to=user,
            subject=f"Customer feedback, week to {(insight.end - timedelta(days=1)):%d %b %Y}",
            now=now,
            insight=insight,
            dashboard_url=f"{base}/dashboard",
            backlog_url=f"{base}/backlog",
            timedelta_day=timedelta(days=1),
        )
        stats["sent"] += 1
    session.flush()
    return stats
