"""The dashboard page: the home of admins and team leads, filters in the URL, charts as
accessible inline SVG, clear 400s for filters a person typed wrong."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.builders import add_response


@pytest.fixture
def answers(session, make_account, make_contact):
    make_account(region="EMEA", plan="Pro", domains=["emea.example"])
    make_account(region="AMER", plan="Basic", domains=["amer.example"])
    emea, amer = make_contact(email="e@emea.example"), make_contact(email="a@amer.example")
    now = datetime.now(UTC)
    for i in range(35):
        add_response(session, emea, score=2, answered_at=now - timedelta(days=3, hours=i))
        add_response(session, amer, score=10, answered_at=now - timedelta(days=3, hours=i))


@pytest.mark.parametrize("role", ["admin", "team_lead"])
def test_the_dashboard_is_the_home_of_leads(client, login, make_user, make_team, answers, role):
    login(make_user(role, team_id=make_team().id))
    page = client.get("/").get_data(as_text=True)
    assert "<h1>Dashboard</h1>" in page
    assert re.search(r'<svg viewBox="0 0 640 240" role="img" aria-labelledby="trend-title', page)
    assert '<title id="trend-title">' in page and '<desc id="trend-desc">' in page
    assert "Trend as a table" in page and "Mix as a table" in page
    assert "Region: EMEA" in page and "below the rest" in page
    assert "<script" not in page and "style=" not in page


def test_csms_keep_their_home_and_department_heads_their_backlog(client, login, make_user):
    login(make_user("csm"))
    assert "<h1>Dashboard</h1>" not in client.get("/").get_data(as_text=True)
    client.post("/logout")
    login(make_user("department_head"))
    assert client.get("/").status_code == 302
    assert client.get("/dashboard").status_code == 200


def test_filters_live_in_the_url(client, login, make_user, answers):
    login(make_user("admin"))
    page = client.get("/dashboard?segment=region:EMEA").get_data(as_text=True)
    assert "segment <strong>Region: EMEA</strong>" in page
    assert re.search(r"<dt>Answers</dt><dd>35</dd>", page)
    whole = client.get("/dashboard?from=2020-01-01&to=2022-12-31").get_data(as_text=True)
    assert "No NPS answers match these filters." in whole
    assert 'href="/dashboard?from=' in client.get("/dashboard").get_data(as_text=True)
    assert client.get("/dashboard?period=month").status_code == 200


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=yesterday", "Use a date like"),
        ("segment=shoe:42", "is not a segment dimension"),
        ("program=abc", "Pick a program"),
        ("from=2026-10-02&to=2026-10-01", "Start on or before the end"),
    ],
)
def test_wrong_filters_are_a_400_with_the_reason(client, login, make_user, query, message):
    login(make_user("admin"))
    response = client.get(f"/dashboard?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_csms_may_not_open_the_dashboard(client, login, make_user):
    login(make_user("csm"))
    assert client.get("/dashboard").status_code == 403
