"""The weekly insight email: to department heads and admins, once a week from Monday 07:00 in
their team's zone, through the outbox, with NPS and its change, themes, hot spots and the
backlog's movement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from feedback.models import OutboxEmail, ResponseTheme
from feedback.services import backlog, insight_mail, taxonomy
from tests.builders import add_response

MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # Monday 09:00 UTC


def emails(session):
    return session.query(OutboxEmail).filter_by(kind="weekly_insight").order_by(OutboxEmail.id)


def test_heads_and_admins_get_it_once_a_week(app, session, make_user, make_team, make_contact):
    config = app.config
    team = make_team(name="Platform", department="Engineering", timezone="UTC")
    head = make_user("department_head", team_id=team.id)
    admin = make_user("admin")
    make_user("csm")
    make_user("admin", active=False)
    person = make_contact(email="p@example.net")
    theme = taxonomy.create_theme(session, {"name": "Outages", "keywords": "outage"})
    for i in range(40):  # last week: unhappy and talking about outages
        r = add_response(session, person, score=2, comment="outage again",
                         answered_at=MONDAY - timedelta(days=3, minutes=i))  # fmt: skip
        session.add(ResponseTheme(response_id=r.id, theme_id=theme.id, polarity=-0.5))
    for i in range(40):  # the week before: content
        add_response(session, person, score=10, answered_at=MONDAY - timedelta(days=10, minutes=i))
    item = backlog.create_item(session, {"title": "Fix the outages", "department": "Engineering"},
                               head, now=MONDAY - timedelta(days=2))  # fmt: skip
    backlog.transition(
        session, item.id, head, "accepted", "We will", now=MONDAY - timedelta(days=1)
    )
    other = backlog.create_item(session, {"title": "Elsewhere", "department": "Sales"}, admin,
                                now=MONDAY - timedelta(days=2))  # fmt: skip
    session.commit()

    early = MONDAY.replace(hour=6)
    assert insight_mail.send_weekly_insight(session, config, early)["too_early"] == 2
    stats = insight_mail.send_weekly_insight(session, config, MONDAY)
    assert stats == {"sent": 2, "too_early": 0, "already_sent": 0}
    sent = emails(session).all()
    assert {e.to_email for e in sent} == {head.email, admin.email}
    again = insight_mail.send_weekly_insight(session, config, MONDAY + timedelta(days=2))
    assert again["already_sent"] == 2 and again["sent"] == 0
    next_week = insight_mail.send_weekly_insight(session, config, MONDAY + timedelta(days=7))
    assert next_week["sent"] == 2

    mail = next(e for e in sent if e.to_email == head.email).content
    assert mail.subject == "Customer feedback, week to 15 Nov 2026"
    text = mail.text
    assert "NPS -100" in text and "from 40 answers" in text
    assert "Change from the week before: -200 - a real change" in text
    assert "- Outages: 40 mentions (+40 on the week before)" in text
    assert "Backlog of Engineering: 1 new items, 1 status changes, 0 shipped." in text
    assert "- Fix the outages: proposed -> accepted" in text
    assert "/dashboard" in text and "Outages" in mail.html
    assert "Elsewhere" not in text  # a head sees their department's backlog
    everything = next(e for e in sent if e.to_email == admin.email).content.text
    assert "Backlog: 2 new items" in everything and other.title not in everything


def test_a_quiet_week_still_says_so(app, session, make_user):
    make_user("admin")
    insight_mail.send_weekly_insight(session, app.config, MONDAY)
    text = emails(session).one().content.text
    assert "No answers to compare with the week before." in text
    assert "No comments mentioned a theme this week." in text
    assert "No segment differs from the rest by more than chance." in text
