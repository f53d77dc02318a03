"""The demo tenant: the specified counts, a year of answers, and the same data for a seed."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from feedback.demo import data as demo_data
from feedback.demo import seed as demo_seed
from feedback.models import (
    Account,
    AccountDomain,
    Contact,
    Invitation,
    Message,
    Response,
    SurveyProgram,
    Team,
    User,
)
from feedback.services import org

NOW = datetime(2026, 3, 10, 14, 30, tzinfo=UTC)  # a Tuesday afternoon
TODAY = NOW.date()


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def seeded(session):
    result = demo_seed.seed(session, seed=11, now=NOW)
    session.commit()
    return result


def snapshot(session) -> dict:
    """What a person sees of the demo, without ids, tokens or insert times."""
    return {
        "counts": {
            m.__name__: count(session, m)
            for m in (Team, User, Account, Contact, SurveyProgram, Invitation, Response, Message)
        },
        "accounts": session.execute(
            select(
                Account.name, Account.plan, Account.region, Account.arr, Account.renewal_date
            ).order_by(Account.external_id)
        ).all(),
        "contacts": session.execute(
            select(Contact.email, Contact.locale, Contact.signed_up_on).order_by(Contact.email)
        ).all(),
        "first_comments": session.scalars(
            select(Response.comment)
            .where(Response.comment.is_not(None))
            .order_by(Response.answered_at)
            .limit(10)
        ).all(),
        "scores": session.execute(
            select(Response.answered_at, Response.score).order_by(Response.answered_at)
        ).all(),
    }


def test_the_tenant_has_the_specified_shape(session, seeded):
    assert (count(session, Team), count(session, User)) == (3, 6)
    assert (count(session, Account), count(session, Contact)) == (40, 300)
    roles = Counter(session.scalars(select(User.role)))
    assert roles == {"admin": 1, "csm": 3, "team_lead": 1, "department_head": 1}
    assert all(t.timezone != "UTC" for t in session.scalars(select(Team)))
    accounts = session.scalars(select(Account)).all()
    assert {a.plan for a in accounts} == {"starter", "growth", "enterprise"}
    assert {a.region for a in accounts} == {"EMEA", "Americas", "APAC"}
    assert all(a.owner is not None and a.owner.role == "csm" for a in accounts)
    assert all(len(a.domains) == 1 for a in accounts)
    assert count(session, AccountDomain) == 40
    by_plan = {p: [a.arr for a in accounts if a.plan == p] for p in ("starter", "enterprise")}
    assert max(by_plan["starter"]) < min(by_plan["enterprise"])

    contacts = session.scalars(select(Contact)).all()
    assert all(c.account_id is not None and c.email.endswith(".example") for c in contacts)
    locales = Counter(c.locale for c in contacts)
    assert locales.most_common(1)[0][0] == "en"
    assert {"de", "fr", "es", "nl"} <= set(locales)
    assert sum(c.signed_up_on > TODAY - timedelta(days=90) for c in contacts) >= 20
    assert 1 <= sum(c.unsubscribed for c in contacts) <= 20
    assert 1 <= sum(c.bounced for c in contacts) <= 20
    apac = [c for c in contacts if c.account.region == "APAC"]
    assert all(c.timezone.startswith(("Asia/", "Australia/", "Pacific/")) for c in apac)


def test_the_programs(session, seeded):
    programs = {p.name: p for p in session.scalars(select(SurveyProgram))}
    nps, onboarding = programs["Relationship NPS"], programs["Onboarding check-ins"]
    assert (nps.kind, nps.active, nps.priority, nps.cadence_days) == ("nps", True, 10, 90)
    assert nps.content["en"]["subject"] == "How likely are you to recommend {product}?"
    assert {"en", "de", "fr", "es"} <= set(nps.content)
    assert (onboarding.kind, onboarding.active, onboarding.priority) == ("onboarding", True, 5)
    assert [t["milestone"] for t in onboarding.triggers] == ["week1", "day30", "day90", "renewal"]
    assert onboarding.triggers[0]["days_after_signup"] == 7
    assert onboarding.triggers[3]["days_before_renewal"] == 60


def test_a_year_of_answers(session, seeded):
    end = NOW
    invitations = session.scalars(select(Invitation)).all()
    sent = [i.sent_at for i in invitations]
    assert min(sent) >= end - timedelta(days=365) and max(sent) < end
    assert max(sent) - min(sent) > timedelta(days=330)
    assert all(i.expires_at == i.sent_at + timedelta(days=30) for i in invitations)
    assert len({i.token_hash for i in invitations}) == len(invitations)
    assert all(len(i.token_hash) == 64 for i in invitations)
    nps = [i for i in invitations if i.milestone is None]
    # Named like the dispatcher's waves, after the contact's local day of sending.
    assert all(
        i.wave_key.endswith("/90d")
        and abs((date.fromisoformat(i.wave_key[:10]) - i.sent_at.date()).days) <= 1
        for i in nps
    )
    quarters = {(i.sent_at.year, (i.sent_at.month - 1) // 3) for i in nps}
    assert {(2025, 1), (2025, 2), (2025, 3), (2026, 0)} <= quarters  # every quarter asked

    responses = session.scalars(select(Response)).all()
    rate = len(responses) / len(invitations)
    assert 0.38 < rate < 0.52
    nps = [r for r in responses if r.scale == "nps"]
    assert {r.category for r in nps} == {"promoter", "passive", "detractor"}
    for r in nps:
        expected = "promoter" if r.score >= 9 else "passive" if r.score >= 7 else "detractor"
        assert r.category == expected
    assert max(r.answered_at for r in responses) - min(r.answered_at for r in responses) > (
        timedelta(days=300)
    )
    commented = [r for r in responses if r.comment]
    assert 0.5 < len(commented) / len(responses) < 0.7
    assert len({r.comment for r in commented}) > 80
    assert any(r.comment in {c[3] for c in demo_data.COMMENTS if c[2] != "en"} for r in commented)

    week1 = [r for r in responses if r.invitation.milestone == "week1"]
    assert week1 and all(r.scale == "effort" and 1 <= r.score <= 7 for r in week1)
    assert any(r.success_definition for r in week1)
    later = [r for r in responses if r.invitation.milestone in ("day30", "day90", "renewal")]
    # They were asked how close they are to their goal: not NPS, never counted as NPS.
    assert later and all(r.scale == "closeness" for r in later)
    assert {r.category for r in later} <= {"on_track", "partway", "off_track"}


def test_segments_differ_and_one_region_dips(session, seeded):
    rows = session.execute(
        select(Account.plan, Account.region, Response.category, Response.answered_at)
        .join(Account, Account.id == Response.account_id)
        .where(Response.scale == "nps")
    ).all()

    def nps(selected) -> float:
        cats = Counter(c for *_, c, _ in selected)
        return 100 * (cats["promoter"] - cats["detractor"]) / max(1, sum(cats.values()))

    enterprise_emea = nps([r for r in rows if r[:2] == ("enterprise", "EMEA")])
    starter_apac = nps([r for r in rows if r[:2] == ("starter", "APAC")])
    assert enterprise_emea > 30 > 0 > starter_apac

    dip = [
        r
        for r in rows
        if r[1] == demo_data.DIP_REGION and (2025, 10) <= (r[3].year, r[3].month) <= (2025, 12)
    ]
    before = [
        r for r in rows if r[1] == demo_data.DIP_REGION and r[3].year == 2025 and r[3].month < 10
    ]
    assert nps(dip) < nps(before) - 30


def test_conversations_hold_the_invitation_the_score_and_the_comment(session, seeded):
    response = session.scalars(
        select(Response).where(Response.comment.is_not(None)).order_by(Response.id)
    ).first()
    thread = session.scalars(
        select(Message)
        .where(Message.invitation_id == response.invitation_id)
        .order_by(Message.created_at)
    ).all()
    assert [(m.direction, m.kind) for m in thread] == [
        ("outbound", "invitation"),
        ("inbound", "score"),
        ("inbound", "comment"),
    ]
    assert thread[1].body == str(response.score)
    assert thread[2].body == response.comment
    assert "{product}" not in thread[0].body and demo_data.PRODUCT in thread[0].body


def test_same_seed_same_data(session):
    demo_seed.seed(session, seed=3, now=NOW)
    session.commit()
    first = snapshot(session)
    demo_seed.seed(session, seed=3, now=NOW, reset=True)
    session.commit()
    assert snapshot(session) == first
    demo_seed.seed(session, seed=4, now=NOW, reset=True)
    session.commit()
    other = snapshot(session)
    assert other["counts"]["Contact"] == 300
    assert other["first_comments"] != first["first_comments"]


def test_demo_admin_can_sign_in(session, seeded):
    user = org.authenticate(session, demo_data.ADMIN_EMAIL, demo_data.PASSWORD)
    assert user is not None and user.role == "admin"
    for email in seeded.user_emails:
        assert org.authenticate(session, email, demo_data.PASSWORD) is not None


def test_refuses_to_write_beside_existing_data(session, make_contact):
    make_contact()
    with pytest.raises(demo_seed.DatabaseNotEmpty) as caught:
        demo_seed.seed(session, seed=1, now=NOW)
    assert "1 contacts" in caught.value.message


def test_reset_deletes_only_the_demo(session, seeded, make_contact, make_account):
    other_account = make_account(external_id="REAL-1")
    other = make_contact(email="someone@real-customer.org")
    deleted = demo_seed.delete_demo(session)
    session.commit()
    assert deleted["contacts"] == 300 and deleted["accounts"] == 40
    assert count(session, Response) == 0 and count(session, Invitation) == 0
    assert session.scalars(select(Contact.id)).all() == [other.id]
    assert session.scalars(select(Account.id)).all() == [other_account.id]


def test_one_customer_was_never_surveyed_for_the_quick_start(session, seeded):
    from feedback.models import Invitation

    contact = session.scalar(select(Contact).where(Contact.email == demo_data.TRY_ME))
    assert contact is not None and contact.account_id is not None
    assert not (contact.unsubscribed or contact.bounced)
    assert (
        session.scalar(
            select(func.count()).select_from(Invitation).where(Invitation.contact_id == contact.id)
        )
        == 0
    )
