"""Account health, recomputed by a job: gather each account's facts in a few grouped queries
per batch of accounts, score them (feedback.health), store the score with its parts and the
score before, and hand a fall of more than FEEDBACK_HEALTH_DROP points to the playbooks,
which open a `recover` task by their `health_drop` rule (services.followup).

The caller owns the transaction (the job commits once per run).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback import health
from feedback.models import (
    Account,
    AccountHealth,
    Contact,
    Invitation,
    Response,
    ResponseAnalysis,
    Task,
)
from feedback.services import followup

PERIOD = timedelta(days=90)  # the recent period; the trend compares it with the one before
LATEST_WINDOW = timedelta(days=365)  # a contact's latest answer counts for a year
RATE_WINDOW = timedelta(days=180)
BATCH = 500


@dataclass(frozen=True)
class Settings:
    weights: Mapping[str, float]
    drop_points: float

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        return cls(
            health.parse_weights(config.get("HEALTH_WEIGHTS")),
            float(config.get("HEALTH_DROP") or health.DEFAULT_DROP),
        )


def gather(session: Session, account_ids: Sequence[int], now: datetime) -> dict[int, health.Inputs]:
    """The health inputs of a batch of accounts: a handful of grouped queries, not per account."""
    ids = list(account_ids)
    scores = select(
        Response.account_id, Response.contact_id, Response.score, Response.answered_at, Response.id
    ).where(
        Response.account_id.in_(ids),
        Response.scale == "nps",
        Response.score.is_not(None),
        Response.answered_at >= now - LATEST_WINDOW,
        Response.answered_at <= now,
    )
    latest: dict[int, dict[int, tuple[datetime, int, int]]] = defaultdict(dict)
    recent: dict[int, list[int]] = defaultdict(list)
    earlier: dict[int, list[int]] = defaultdict(list)
    for account_id, contact_id, score, at, rid in session.execute(scores):
        seen = latest[account_id].get(contact_id)
        if seen is None or (at, rid) > (seen[0], seen[1]):
            latest[account_id][contact_id] = (at, rid, score)
        if at >= now - PERIOD:
            recent[account_id].append(score)
        elif at >= now - 2 * PERIOD:
            earlier[account_id].append(score)
    polarity: dict[tuple[int, bool], float] = {}
    is_recent = Response.answered_at >= now - PERIOD
    for account_id, recent_flag, mean in session.execute(
        select(Response.account_id, is_recent, func.avg(ResponseAnalysis.sentiment_polarity))
        .join(ResponseAnalysis, ResponseAnalysis.response_id == Response.id)
        .where(
            Response.account_id.in_(ids),
            ResponseAnalysis.sentiment_polarity.is_not(None),
            Response.answered_at >= now - 2 * PERIOD,
            Response.answered_at <= now,
        )
        .group_by(Response.account_id, is_recent)
    ):
        polarity[(account_id, bool(recent_flag))] = float(mean)
    open_tasks = dict(
        session.execute(
            select(Task.account_id, func.count())
            .where(Task.account_id.in_(ids), Task.type == "recover", Task.status != "closed")
            .group_by(Task.account_id)
        ).all()
    )
    invited: dict[int, int] = {}
    answered: dict[int, int] = {}
    for account_id, sent, replied in session.execute(
        select(Contact.account_id, func.count(Invitation.id), func.count(Response.id))
        .join(Contact, Contact.id == Invitation.contact_id)
        .outerjoin(Response, Response.invitation_id == Invitation.id)
        .where(
            Contact.account_id.in_(ids),
            Invitation.sent_at.is_not(None),
            Invitation.sent_at >= now - RATE_WINDOW,
            Invitation.sent_at <= now,
        )
        .group_by(Contact.account_id)
    ):
        invited[account_id], answered[account_id] = sent, replied
    attributes = dict(session.execute(select(Account.id, Account.attributes).where(
        Account.id.in_(ids))).all())  # fmt: skip
    return {
        account_id: health.Inputs(
            latest_scores=[s for _, _, s in latest[account_id].values()],
            recent_scores=recent[account_id],
            earlier_scores=earlier[account_id],
            recent_polarity=polarity.get((account_id, True)),
            earlier_polarity=polarity.get((account_id, False)),
            open_detractor_tasks=open_tasks.get(account_id, 0),
            invited=invited.get(account_id, 0),
            answered=answered.get(account_id, 0),
            attributes=attributes.get(account_id) or {},
        )
        for account_id in ids
    }


def _store(session: Session, account_id: int, result: health.Health, now: datetime) -> tuple[
        int | None, int | None]:  # fmt: skip
    """Write the new score; return (the score before, the new one)."""
    row = session.get(AccountHealth, account_id)
    if result.score is None:
        if row is not None:  # nothing left to score it on: no stale number stays on show
            session.delete(row)
        return (row.score if row is not None else None), None
    if row is None:
        session.add(AccountHealth(account_id=account_id, score=result.score,
                                  parts=result.as_json(), computed_at=now))  # fmt: skip
        return None, result.score
    previous = row.score
    row.previous_score, row.previous_computed_at = row.score, row.computed_at
    row.score, row.parts, row.computed_at = result.score, result.as_json(), now
    return previous, result.score


def recompute_all(
    session: Session, settings: Settings, now: datetime | None = None
) -> dict[str, int]:
    """Score every account; open recover tasks where health fell by more than the setting."""
    now = now or datetime.now(UTC)
    stats = {"accounts": 0, "scored": 0, "dropped": 0, "tasks": 0}
    last_id = 0
    while True:
        accounts = list(
            session.scalars(
                select(Account).where(Account.id > last_id).order_by(Account.id).limit(BATCH)
            )
        )
        if not accounts:
            break
        last_id = accounts[-1].id
        inputs = gather(session, [a.id for a in accounts], now)
        for account in accounts:
            stats["accounts"] += 1
            result = health.score(inputs[account.id], settings.weights)
            previous, current = _store(session, account.id, result, now)
            stats["scored"] += current is not None
            if health.dropped(previous, current, settings.drop_points):
                stats["dropped"] += 1
                stats["tasks"] += len(
                    followup.open_health_recovery(
                        session, account, previous, current, settings.drop_points, now
                    )
                )
        session.flush()
    return stats
