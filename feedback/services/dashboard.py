"""The staff dashboard: every panel's figures under one set of filters.

One call gathers them so the page, the benchmark and tests read the same thing; each panel's
arithmetic lives in its own service (nps_report, funnel, overview, metrics).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy.orm import Session

from feedback.services import dialects, funnel, metrics, nps_report, nps_segments, overview


@dataclass(frozen=True)
class Dashboard:
    filters: nps_report.Filters
    period: str
    overall: nps_report.Overall
    trend: list[nps_report.Point]
    hot_spots: list[nps_segments.SegmentRow]
    funnels: list[funnel.Funnel]
    onboarding: list[overview.OnboardingRow]
    close_the_loop: metrics.CloseTheLoop


def dashboard(
    session: Session,
    filters: nps_report.Filters,
    *,
    period: str | None = None,
    team_ids: Collection[int] | None = None,
) -> Dashboard:
    """All panels for the filters; close-the-loop limited to `team_ids` (the viewer's)."""
    period = period or nps_report.default_period(filters)
    dialects.analytics_settings(session)
    scan = nps_report.scan(session, filters, period)
    return Dashboard(
        filters=filters,
        period=period,
        overall=scan.overall,
        trend=scan.points,
        hot_spots=nps_segments.hot_spots(session, filters, scan.per_account),
        funnels=funnel.funnels(session, filters),
        onboarding=overview.onboarding_overview(
            session, where=nps_report.response_conditions(filters, nps_only=False)
        ),
        close_the_loop=metrics.close_the_loop(
            session,
            start=filters.start,
            end=filters.end,
            team_ids=team_ids,
            response_where=nps_report.response_scope(filters),
        ),
    )
