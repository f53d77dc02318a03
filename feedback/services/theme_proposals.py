"""Emerging themes: recurring phrases of recent unhappy comments that no theme covers,
proposed to staff, who accept one (as a theme or as a keyword of a theme) or dismiss it.

Finding the phrases is pure (feedback.themes.propose_phrases); this module stores the
proposals and their decisions. Services flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback import themes as theme_matching
from feedback.models import (
    Response,
    ResponseAnalysis,
    Theme,
    ThemeProposal,
)
from feedback.services.errors import InvalidInput, NotFound
from feedback.services.taxonomy import create_theme, get_theme, load_taxonomy, update_theme

PROPOSAL_DAYS = 90
PROPOSAL_CATEGORIES = ("detractor", "passive")


def _utcnow() -> datetime:
    return datetime.now(UTC)


def propose_themes(
    session: Session, now: datetime | None = None, *, days: int = PROPOSAL_DAYS, min_count: int = 3
) -> dict[str, int]:
    """Recurring phrases from recent detractor and passive comments that no theme covers,
    upserted by their stems: counts and examples refresh; a dismissed or accepted phrase keeps
    its decision; a proposal that stopped recurring is withdrawn."""
    now = now or _utcnow()
    taxonomy = load_taxonomy(session)
    comments = session.scalars(
        select(Response.comment)
        .outerjoin(ResponseAnalysis, ResponseAnalysis.response_id == Response.id)
        .where(
            Response.comment.is_not(None),
            Response.category.in_(PROPOSAL_CATEGORIES),
            Response.answered_at >= now - timedelta(days=days),
            (ResponseAnalysis.language.is_(None)) | (ResponseAnalysis.language == "en"),
        )
        .order_by(Response.id)
    ).all()
    found = theme_matching.propose_phrases(
        [c for c in comments if c and c.strip()], taxonomy.themes, min_count=min_count
    )
    existing = {p.stems: p for p in session.scalars(select(ThemeProposal))}
    stats = {"comments": len(comments), "proposed": 0, "updated": 0, "withdrawn": 0}
    current: set[str] = set()
    for proposal in found:
        stems = " ".join(proposal.stems)[:200]
        current.add(stems)
        row = existing.get(stems)
        if row is None:
            session.add(
                ThemeProposal(
                    phrase=proposal.phrase[:200],
                    stems=stems,
                    count=proposal.count,
                    examples=list(proposal.examples),
                    status="proposed",
                    created_at=now,
                    updated_at=now,
                )
            )
            stats["proposed"] += 1
        else:
            if row.status == "proposed":
                row.phrase = proposal.phrase[:200]
            row.count, row.examples, row.updated_at = proposal.count, list(proposal.examples), now
            stats["updated"] += 1
    for stems, row in existing.items():
        if row.status == "proposed" and stems not in current:
            session.delete(row)
            stats["withdrawn"] += 1
    session.flush()
    return stats


def list_proposals(session: Session, status: str = "proposed") -> list[ThemeProposal]:
    return list(
        session.scalars(
            select(ThemeProposal)
            .where(ThemeProposal.status == status)
            .order_by(ThemeProposal.count.desc(), ThemeProposal.phrase)
        )
    )


def _open_proposal(session: Session, proposal_id: int) -> ThemeProposal:
    proposal = session.get(ThemeProposal, proposal_id)
    if proposal is None:
        raise NotFound(f"There is no proposal with id {proposal_id}.")
    if proposal.status != "proposed":
        raise InvalidInput(f"“{proposal.phrase}” was already {proposal.status}.")
    return proposal


def accept_proposal(
    session: Session, proposal_id: int, data: Mapping[str, Any], now: datetime | None = None
) -> Theme:
    """Make the phrase a theme of its own (name and owner from data), or, with
    data["theme_id"], a keyword of an existing theme. Either way the comments are re-tagged."""
    now = now or _utcnow()
    proposal = _open_proposal(session, proposal_id)
    if data.get("theme_id"):
        try:
            theme = get_theme(session, int(data["theme_id"]))
        except (TypeError, ValueError, NotFound):
            raise InvalidInput(
                "The proposal was not accepted.", {"theme_id": ["Choose a theme from the list."]}
            ) from None
        theme = update_theme(
            session,
            theme.id,
            {"name": theme.name, "owner_team_id": theme.owner_team_id, "active": theme.active,
             "keywords": [*theme.keywords, proposal.phrase]},
            now,
        )  # fmt: skip
    else:
        name = data.get("name") or proposal.phrase[:1].upper() + proposal.phrase[1:]
        theme = create_theme(
            session,
            {
                "name": name,
                "owner_team_id": data.get("owner_team_id"),
                "keywords": [proposal.phrase],
            },
            now,
        )
    proposal.status, proposal.theme_id, proposal.decided_at = "accepted", theme.id, now
    session.flush()
    return theme


def dismiss_proposal(session: Session, proposal_id: int, now: datetime | None = None) -> None:
    """Dismissed phrases stay dismissed: the job updates their counts but never re-proposes."""
    proposal = _open_proposal(session, proposal_id)
    proposal.status, proposal.decided_at = "dismissed", now or _utcnow()
    session.flush()


# ---------------------------------------------------------------- reading
