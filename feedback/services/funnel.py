"""The response funnel per program: sent → delivered → opened → clicked → answered → commented.

Counted over invitations sent in the filters' range, from what each invitation carries: its
own sent/delivered times, its latest open and click (stamped from SendGrid's events by
services.suppression), and whether it was answered and commented (kept by a trigger on the
responses, migration a7c2e9f1b3d4). Each step counts invitations, so an invitation opened five
times counts once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from feedback.models import Account, Contact, Invitation, SurveyProgram
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

    One statement over the invitations alone, read from a covering index. Opens and clicks
    are the stamps the webhook keeps on each invitation (its latest open and click): "opened
    since the range's start" holds for the latest open exactly when it holds for some open, so
    an invitation opened five times counts once without reading its events. Answered and
    commented are the stamps the database keeps from the responses, so no join to them.
    """
    names = dict(session.execute(select(SurveyProgram.id, SurveyProgram.name)).all())
    rows = session.execute(
        select(
            Invitation.program_id,
            func.count(),
            func.count(Invitation.delivered_at),
            func.count().filter(Invitation.last_opened_at >= filters.since),
            func.count().filter(Invitation.last_clicked_at >= filters.since),
            func.count().filter(Invitation.answered),
            func.count().filter(Invitation.commented),
        )
        .where(*_where(filters))
        .group_by(Invitation.program_id)
    ).all()
    return sorted(
        (
            Funnel(
                names.get(program_id, str(program_id)),
                dict(zip(STEPS, counts, strict=True)),
            )
            for program_id, *counts in rows
        ),
        key=lambda f: f.program,
    )
