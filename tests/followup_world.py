"""Shared fixtures of the follow-up tests: a small organisation and responses made to order.

A pytest plugin (tests/conftest.py lists it in `pytest_plugins`): the `world` and `respond`
fixtures are there for every test module; `NOW` and `tasks_of` are imported by name.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from feedback.models import (
    Account,
    Contact,
    Invitation,
    Response,
    ResponseAnalysis,
    ResponseTheme,
    Task,
    Theme,
)
from feedback.services import programs
from feedback.tokens import hash_token, new_token

# A Monday, 10:00 in Berlin (09:00 UTC)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def world(session, make_team, make_user):
    """Support (Berlin) with CSMs Ann and Bob, lead Lee; the department's head Dee (in another
    team of the department); MegaCorp owned by Ann; a program; a Billing theme owned by
    Finance."""
    support = make_team(name="Support", department="Customer Success", timezone="Europe/Berlin")
    other = make_team(name="Success Ops", department="Customer Success", timezone="Europe/Berlin")
    finance = make_team(name="Finance", department="Finance", timezone="America/New_York")
    ann = make_user("csm", name="Ann", team_id=support.id)
    bob = make_user("csm", name="Bob", team_id=support.id)
    lee = make_user("team_lead", name="Lee", team_id=support.id)
    dee = make_user("department_head", name="Dee", team_id=other.id)
    fay = make_user("csm", name="Fay", team_id=finance.id)
    admin = make_user("admin", name="Ada")
    mega = Account(name="MegaCorp", arr=Decimal("20000"), plan="business", owner_id=ann.id)
    big = Account(name="BigBank", arr=Decimal("250000"), plan="enterprise", owner_id=bob.id)
    orphan = Account(name="NoOwner Ltd", arr=Decimal("1000"))
    session.add_all([mega, big, orphan])
    session.flush()
    program = programs.create_program(
        session, {"name": "Relationship", "kind": "nps", "active": True, "product_name": "Acme"}
    )
    billing = Theme(key="billing", name="Billing", owner_team_id=finance.id, keywords=["invoice"])
    session.add(billing)
    session.commit()
    return SimpleNamespace(
        support=support,
        other=other,
        finance=finance,
        ann=ann,
        bob=bob,
        lee=lee,
        dee=dee,
        fay=fay,
        admin=admin,
        mega=mega,
        big=big,
        orphan=orphan,
        program=program,
        billing=billing,
    )


@pytest.fixture
def respond(session, world):
    """respond(score, account=..., contact=..., at=..., status=..., themes=..., mismatch=...)"""
    counter = iter(range(1, 100_000))

    def make(
        score: int,
        *,
        account: Account | None = None,
        contact: Contact | None = None,
        at: datetime = NOW - timedelta(hours=1),
        status: str = "confirmed",
        comment: str | None = None,
        themes: tuple[Theme, ...] = (),
        label: str = "negative",
        mismatch: bool = False,
    ) -> Response:
        n = next(counter)
        if contact is None:
            account = account if account is not None else world.mega
            contact = Contact(
                email=f"c{n}@{account.name.lower()}.example",
                name=f"Customer {n}",
                account_id=account.id,
            )
            session.add(contact)
            session.flush()
        invitation = Invitation(
            program_id=world.program.id,
            contact_id=contact.id,
            wave_key=f"w{n}",
            token_hash=hash_token(new_token()),
            reply_token_hash=hash_token(new_token()),
            created_at=at - timedelta(days=1),
            sent_at=at - timedelta(days=1),
            expires_at=at + timedelta(days=30),
        )
        session.add(invitation)
        session.flush()
        category = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
        response = Response(
            invitation_id=invitation.id,
            program_id=world.program.id,
            contact_id=contact.id,
            account_id=contact.account_id,
            scale="nps",
            score=score,
            category=category,
            status=status,
            comment=comment,
            answered_at=at,
            confirmed_at=at if status == "confirmed" else None,
        )
        session.add(response)
        session.flush()
        if themes or mismatch:
            session.add(
                ResponseAnalysis(response_id=response.id, sentiment_label=label, mismatch=mismatch)
            )
            for theme in themes:
                session.add(
                    ResponseTheme(
                        response_id=response.id, theme_id=theme.id, label=label, polarity=-0.5
                    )
                )
        session.commit()
        return response

    return make


def tasks_of(session, response: Response) -> list[Task]:
    session.expire_all()
    return list(session.query(Task).filter_by(response_id=response.id).order_by(Task.id))


def payloads(rows: list[Any]) -> list[Any]:
    return rows
