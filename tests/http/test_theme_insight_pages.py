"""Theme analytics pages for leads, and the proposals page's volume and trend for admins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from feedback.models import ResponseTheme
from feedback.models.analytics import ThemeProposal
from feedback.services import taxonomy
from tests.builders import add_response


def test_themes_over_time_for_leads(client, login, make_user, make_contact, session):
    person = make_contact(email="p@example.net")
    theme = taxonomy.create_theme(session, {"name": "Outages", "keywords": "outage"})
    now = datetime.now(UTC) - timedelta(days=2)
    for i in range(3):
        r = add_response(session, person, score=2, comment=f"Outage {i}", answered_at=now)
        session.add(ResponseTheme(response_id=r.id, theme_id=theme.id, polarity=-0.6,
                                  label="negative"))  # fmt: skip
    add_response(session, person, score=10, comment="All good", answered_at=now)
    session.commit()
    login(make_user("team_lead"))
    page = client.get("/insight/themes").get_data(as_text=True)
    assert "Outages" in page and "75%" in page and "-0.60" in page
    detail = client.get(f"/insight/themes/{theme.id}?period=week").get_data(as_text=True)
    assert "<h1>Outages</h1>" in detail and "Outage 2" in detail and "Top verbatims" in detail
    assert 'role="img"' in detail and "<script" not in detail
    assert client.get("/insight/themes/999999").status_code == 404
    assert client.get("/insight/themes?from=nope").status_code == 400


def test_csms_may_not_open_theme_analytics(client, login, make_user):
    login(make_user("csm"))
    assert client.get("/insight/themes").status_code == 403


def test_proposals_show_volume_and_trend(client, login, make_user, make_contact, session):
    person = make_contact(email="q@example.net")
    now = datetime.now(UTC)
    for days in (1, 2, 3):
        add_response(session, person, score=4, comment="Please add an audit log",
                     answered_at=now - timedelta(days=days))  # fmt: skip
    session.add(ThemeProposal(phrase="audit log", stems="audit log", count=3, examples=[]))
    session.commit()
    login(make_user("admin"))
    page = client.get("/admin/themes/proposals").get_data(as_text=True)
    assert "Volume: <strong>3</strong> comments in 13 weeks" in page
    assert "<strong>rising</strong>" in page
    assert "Comments per week, oldest first: 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3" in page
