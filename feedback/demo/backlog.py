"""The demo's outer loop: a department head whose backlog holds a handful of ranked items,
each with customers' quotes, at different steps of the workflow (one shipped).

The demo's last step (`feedback.demo.seed.seed`), after the answers are analysed; it can also
run on its own: `seed_backlog(session, now)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from feedback.models import BacklogItem, Response, ResponseTheme, Team, Theme, User
from feedback.services import backlog, backlog_evidence, backlog_notices

HEAD_EMAIL = "head@demo.example"
SHIPPED_NOTE = "You told us this got in your way; it is fixed in this week's release."
ITEMS = 5
QUOTES_PER_ITEM = 3
# (status moves, each with its note) per item, by rank of the theme's unhappy mentions.
STORIES: tuple[tuple[tuple[str, str], ...], ...] = (
    (("accepted", "Top of the list by ARR at risk; agreed with the team."),
     ("in_progress", "Fix scheduled for this sprint.")),
    (("accepted", "Accepted; needs a design review first."),),
    (("accepted", "Quick win."), ("in_progress", "Started."),
     ("shipped", "Released on Monday; customers who raised it are told.")),
    (),
    (),
)  # fmt: skip


def _head(session: Session, password: str) -> User:
    """The demo's department head, made (in a Product team) when the demo has none."""
    head = session.scalar(select(User).where(User.role == "department_head").order_by(User.id))
    if head is not None:
        return head
    team = session.scalar(select(Team).where(Team.name == "Product"))
    if team is None:
        team = Team(name="Product", department="Product", timezone="UTC")
        session.add(team)
        session.flush()
    head = User(email=HEAD_EMAIL, name="Dana Head", role="department_head", team_id=team.id,
                password_hash=generate_password_hash(password))  # fmt: skip
    session.add(head)
    session.flush()
    return head


def seed_backlog(
    session: Session,
    now: datetime | None = None,
    *,
    config: Mapping[str, Any] | None = None,
    password: str = "demo-password-123",
) -> dict[str, Any]:
    """Items for the themes unhappy customers mention most; nothing when items exist already.

    With the app's config, the shipped item's customers are told (the emails go to the
    outbox, so the dev mailbox shows them once delivered).
    """
    now = now or datetime.now(UTC)
    if session.scalar(select(func.count()).select_from(BacklogItem)):
        return {"items": 0, "skipped": True}
    head = _head(session, password)
    unhappy = Response.category.in_(("passive", "detractor"))
    top = session.execute(
        select(Theme, func.count(ResponseTheme.id).label("n"))
        .join(ResponseTheme, ResponseTheme.theme_id == Theme.id)
        .join(Response, Response.id == ResponseTheme.response_id)
        .where(unhappy, backlog_evidence.nps_answer())
        .group_by(Theme.id)
        .order_by(func.count(ResponseTheme.id).desc(), Theme.id)
        .limit(ITEMS)
    ).all()
    made = []
    for rank, (theme, mentions) in enumerate(top):
        started = now - timedelta(days=30 - 5 * rank)
        item = backlog.create_item(session, {
            "title": f"{theme.name}: what unhappy customers keep raising",
            "description": f"{mentions} detractors and passives mention {theme.name}.",
            "theme_id": theme.id,
            "department": backlog.department_of(head),
            "owner_id": head.id,
            "note": "Proposed from the demo's answers.",
        }, head, now=started)  # fmt: skip
        quotes = session.scalars(
            select(Response.id).join(ResponseTheme, ResponseTheme.response_id == Response.id)
            .where(ResponseTheme.theme_id == theme.id, unhappy, Response.comment.is_not(None))
            .order_by(Response.answered_at.desc()).limit(QUOTES_PER_ITEM)
        )  # fmt: skip
        for response_id in list(quotes):
            backlog.link_response(session, item.id, response_id, head, now=started)
        for step, (target, note) in enumerate(STORIES[rank] if rank < len(STORIES) else ()):
            backlog.transition(session, item.id, head, target, note,
                               now=started + timedelta(days=2 * (step + 1)))  # fmt: skip
        made.append(item)
    backlog_evidence.recompute_impact(session, made, now=now)
    told = 0
    if config is not None:
        for item in made:
            if item.status == "shipped":
                backlog_notices.set_customer_note(session, item.id, head, SHIPPED_NOTE)
        told = backlog_notices.tell_customers(session, config, now)["emails"]
    return {"items": len(made), "department_head": head.email, "skipped": False, "told": told}
