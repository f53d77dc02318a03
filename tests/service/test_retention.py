"""NPS next to renewals and churn on a hand-built fixture: the latest category before each
account's renewal date decides its group; answers after the renewal do not count."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from feedback.services import retention
from tests.builders import add_response, contact_of

TODAY = date(2026, 11, 18)


def at(day: date, days: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC) + timedelta(days=days)


def test_renewal_and_churn_rates_by_latest_category_before_renewal(
    session, make_user, make_account, make_contact
):
    admin = make_user("admin")
    renewal = date(2026, 6, 1)

    def account(status, *scores, after=None):
        a = make_account(status=status, renewal_date=renewal.isoformat())
        c = contact_of(session, make_contact, a)
        for i, score in enumerate(scores):  # oldest first, all before the renewal
            add_response(session, c, score=score, answered_at=at(renewal, -100 + 10 * i))
        if after is not None:  # an answer after the renewal date does not count
            add_response(session, c, score=after, answered_at=at(renewal, 5))
        return a

    for _ in range(3):
        account("active", 3, 9)  # promoters who renewed
    account("churned", 10)  # a promoter who churned
    account("churned", 9, 2, after=10)  # a detractor at renewal time, churned
    account("active", 2)  # a detractor who renewed
    account("churned")  # never answered
    make_account(status="active", renewal_date=(TODAY + timedelta(days=30)).isoformat())  # ahead
    make_account(status="churned")  # no renewal date: no outcome

    by = {g.group: g for g in retention.retention_by_category(session, admin, TODAY)}
    assert by["promoter"].n == 4 and by["promoter"].renewed.count == 3
    assert by["promoter"].renewed.rate == 0.75
    assert by["promoter"].renewed.low == pytest.approx(0.3006, abs=1e-3)
    assert by["detractor"].n == 2 and by["detractor"].churned.count == 1
    assert by["passive"].n == 0 and by["passive"].renewed.rate is None
    assert by["unanswered"].n == 1 and by["unanswered"].churned.count == 1


def test_a_csm_counts_only_the_accounts_they_see(session, make_team, make_user, make_account):
    csm = make_user("csm", team_id=make_team().id)
    make_account(status="churned", renewal_date="2026-01-01", owner_email=csm.email)
    make_account(status="churned", renewal_date="2026-01-01")
    groups = retention.retention_by_category(session, csm, TODAY)
    assert sum(g.n for g in groups) == 1
