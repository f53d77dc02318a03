"""The refresh-backlog job: merge duplicate proposals, propose items for themes that cross the
threshold, and recompute every open item's impact.

A theme is proposed when its detractor and passive mentions within the window reach the
threshold and no open item covers it; duplicates for one theme are merged into the oldest
open item, never repeated.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from feedback import backlog_impact as rules
from feedback.models import (
    BacklogItem,
    BacklogResponse,
    BacklogTask,
    Response,
    ResponseTheme,
    Theme,
)
from feedback.services import backlog, backlog_digests, backlog_evidence

DEFAULT_THRESHOLD = 5
DEFAULT_WINDOW_DAYS = 28


def settings(config: Mapping[str, Any]) -> tuple[int, int]:
    """(threshold, window in days) from FEEDBACK_BACKLOG_PROPOSAL_THRESHOLD and
    FEEDBACK_BACKLOG_PROPOSAL_WINDOW_DAYS; a value that is not a whole number ≥ 1 is an error
    that names the variable, rather than a silent default."""
    values = []
    for name, default in (("BACKLOG_PROPOSAL_THRESHOLD", DEFAULT_THRESHOLD),
                          ("BACKLOG_PROPOSAL_WINDOW_DAYS", DEFAULT_WINDOW_DAYS)):  # fmt: skip
        raw = config.get(name, default)
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
            raise ValueError(f"FEEDBACK_{name}: expected a whole number of at least 1, not {raw!r}")
        values.append(raw)
    return values[0], values[1]


def unhappy_mentions(session: Session, since: datetime) -> dict[int, int]:
    """Detractor and passive NPS answers per active theme since `since`."""
    rows = session.execute(
        select(ResponseTheme.theme_id, func.count(func.distinct(Response.id)))
        .join(Response, Response.id == ResponseTheme.response_id)
        .join(Theme, Theme.id == ResponseTheme.theme_id)
        .where(
            Theme.active.is_(True),
            backlog_evidence.nps_answer(),
            Response.category.in_(("passive", "detractor")),
            Response.answered_at >= since,
        )
        .group_by(ResponseTheme.theme_id)
    ).all()
    return dict(rows)


def merge_duplicates(session: Session, now: datetime) -> int:
    """Fold every open item of a theme into the oldest one: links move, the duplicate is
    declined with a note saying where it went. Returns how many were merged."""
    open_items = list(
        session.scalars(
            select(BacklogItem)
            .where(BacklogItem.theme_id.is_not(None), BacklogItem.status.in_(rules.OPEN_STATUSES))
            .order_by(BacklogItem.theme_id, BacklogItem.id)
        )
    )
    keep: dict[int, BacklogItem] = {}
    merged = 0
    for item in open_items:
        survivor = keep.setdefault(item.theme_id, item)  # type: ignore[arg-type]
        if survivor is item or item.status != "proposed":
            continue  # only proposals are folded: accepted work is never undone by a job
        _move_links(session, item, survivor)
        note = f"Merged into item #{survivor.id} ({survivor.title}), which covers the same theme."
        item.status, item.decline_reason, item.status_changed_at = "declined", note, now
        item.rank_position = None
        backlog._event(
            item, "merged", None, from_value="proposed", to_value="declined", body=note, now=now
        )
        backlog._event(
            survivor,
            "merged",
            None,
            to_value=f"item {item.id}",
            now=now,
            body=f"Item #{item.id} ({item.title}) was merged into this one.",
        )
        merged += 1
    session.flush()
    return merged


def _move_links(session: Session, source: BacklogItem, target: BacklogItem) -> None:
    for model, column in (
        (BacklogResponse, BacklogResponse.response_id),
        (BacklogTask, BacklogTask.task_id),
    ):
        have = set(session.scalars(select(column).where(model.item_id == target.id)))
        session.execute(
            update(model)
            .where(model.item_id == source.id, column.not_in(have) if have else True)
            .values(item_id=target.id)
        )


def propose(session: Session, config: Mapping[str, Any], now: datetime) -> int:
    """One proposal per theme over the threshold that no open item covers."""
    threshold, days = settings(config)
    covered = set(
        session.scalars(
            select(BacklogItem.theme_id).where(
                BacklogItem.theme_id.is_not(None), BacklogItem.status.in_(rules.OPEN_STATUSES)
            )
        )
    )
    created = 0
    for theme_id, mentions in sorted(unhappy_mentions(session, now - timedelta(days=days)).items()):
        if not rules.proposal_due(mentions, threshold, theme_id in covered):
            continue
        theme = session.get(Theme, theme_id)
        assert theme is not None
        backlog.create_item(
            session,
            {
                "title": f"Customers keep raising {theme.name}",
                "description": f"{mentions} detractors and passives mentioned {theme.name} in the "
                f"last {days} days.",
                "theme_id": theme.id,
                "team_id": theme.owner_team_id,
                "note": f"Proposed by refresh-backlog: {mentions} unhappy mentions ≥ {threshold}.",
            },
            None,
            source="job",
            now=now,
        )
        created += 1
    return created


def refresh_backlog(
    session: Session, config: Mapping[str, Any], now: datetime | None = None
) -> dict[str, int]:
    """The job: merge, propose, recompute impact of every open item."""
    now = now or datetime.now(UTC)
    merged = merge_duplicates(session, now)
    proposed = propose(session, config, now)
    items = list(
        session.scalars(select(BacklogItem).where(BacklogItem.status.in_(rules.OPEN_STATUSES)))
    )
    before = backlog_digests.impact_before(items)
    recomputed = backlog_evidence.recompute_impact(session, items, now=now)
    crossed = backlog_digests.record_crossings(
        session, items, before, backlog_digests.arr_threshold(config), now
    )
    session.flush()
    return {"merged": merged, "proposed": proposed, "recomputed": recomputed, "crossed": crossed}
