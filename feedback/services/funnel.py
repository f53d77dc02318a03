"""The response funnel per program: sent → delivered → opened → clicked → answered → commented.

Counted over invitations sent in the filters' range, from what is stored: the invitation's
own sent/delivered times, the SendGrid events (open, click) recorded per invitation, and the
responses. Each step counts invitations, so an invitation opened five times counts once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from feedback.models import Account, Contact, EmailEvent, Invitation, Response, SurveyProgram
from feedback.services.nps_report import Filters, segment_condition

STEPS = ("sent", "delivered", "opened", "clicked", "answered", "commented")


@dataclass(frozen=True)
class Funnel:
    program: str
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, step: str) -> int:
        return self.counts.get(step, 0)

    def share(self, step: str) -> float | None:
        """The step's invitations as a share of those sent."""
        sent = self.count("sent")
        return self.count(step) / sent if sent else None

    @property
    def response_rate(self) -> float | None:
        """Answered out of delivered (out of sent where delivery is not reported)."""
        base = self.count("delivered") or self.count("sent")
        return self.count("answered") / base if base else None


def _where(filters: Filters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        Invitation.sent_at >= filters.since,
        Invitation.sent_at < filters.until,
    ]
    if filters.program_id:
        where.append(Invitation.program_id == filters.program_id)
    if filters.segment:
        where.append(
            Invitation.contact_id.in_(
                select(Contact.id)
                .join(Account, Account.id == Contact.account_id)
                .where(segment_condition(filters.segment, filters.today))
            )
        )
    return where


def funnels(session: Session, filters: Filters) -> list[Funnel]:
    """One funnel per program with invitations sent in the range, by program name.

    Two statements: the invitations with their answers (sent, delivered, answered, commented),
    and the distinct invitations opened or clicked (the events' covering index).
    """
    where = _where(filters)
    commented = func.coalesce(func.length(func.trim(Response.comment)), 0) > 0
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for program_id, sent, delivered, answered, with_comment in session.execute(
        select(
            Invitation.program_id,
            func.count(),
            func.count(Invitation.delivered_at),
            func.count(Response.id),
            func.count(Response.id).filter(commented),
        )
        .outerjoin(Response, Response.invitation_id == Invitation.id)
        .where(*where)
        .group_by(Invitation.program_id)
    ):
        counts[program_id].update(
            sent=sent, delivered=delivered, answered=answered, commented=with_comment
        )
    for program_id, event, count in session.execute(
        select(
            Invitation.program_id, EmailEvent.event, func.count(EmailEvent.invitation_id.distinct())
        )
        .join(Invitation, Invitation.id == EmailEvent.invitation_id)
        .where(
            *where, EmailEvent.event.in_(("open", "click")), EmailEvent.occurred_at >= filters.since
        )
        .group_by(Invitation.program_id, EmailEvent.event)
    ):
        counts[program_id]["opened" if event == "open" else "clicked"] = count
    names = dict(session.execute(select(SurveyProgram.id, SurveyProgram.name)).all())
    return sorted(
        (Funnel(names.get(pid, str(pid)), c) for pid, c in counts.items()),
        key=lambda f: f.program,
    )
