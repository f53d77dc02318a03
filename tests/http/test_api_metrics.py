"""GET /api/v1/metrics/close-the-loop: the metrics page's figures for team leads' machines."""

from __future__ import annotations

import pytest

URL = "/api/v1/metrics/close-the-loop"
RANGE = "start=2026-11-10&end=2026-11-20"


def _token(session, user):
    from feedback.services import org

    _, token = org.create_api_token(session, user.email, "tests")
    session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("role", ["department_head", "admin"])
def test_leads_get_the_figures(client, session, make_user, loop, role):
    # Both teams are in one department; the head sits in team A.
    team_id = loop["teams"][0].id if role == "department_head" else None
    headers = _token(session, make_user(role, team_id=team_id))
    response = client.get(f"{URL}?{RANGE}", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert (body["start"], body["end"]) == ("2026-11-10", "2026-11-20")
    overall = body["overall"]
    assert (overall["tasks"], overall["detractor_tasks"], overall["resolved_yes"]) == (6, 5, 2)
    assert overall["recovery_rate"] == 0.6667
    assert overall["median_hours_to_close"] == 10.0
    assert [t["name"] for t in body["teams"]] == ["A team", "B team"]
    assert [c["name"] for c in body["csms"]] == ["Alex", "Avery", "Blake"]
    assert body["csms"][1]["contacted_in_sla_share"] is None


def test_a_team_lead_gets_their_own_teams_figures_only(client, session, make_user, loop):
    lead = make_user("team_lead", team_id=loop["teams"][1].id)
    body = client.get(f"{URL}?{RANGE}", headers=_token(session, lead)).get_json()
    assert [t["name"] for t in body["teams"]] == ["B team"] and body["overall"]["tasks"] == 1
    assert [c["name"] for c in body["csms"]] == ["Blake"]
    other = client.get(
        f"{URL}?{RANGE}&team_id={loop['teams'][0].id}", headers=_token(session, lead)
    )
    assert other.status_code == 403 and other.get_json()["error"]["code"] == "forbidden"


def test_one_team(client, api_headers, loop):
    team_id = loop["teams"][1].id
    body = client.get(f"{URL}?{RANGE}&team_id={team_id}", headers=api_headers("admin")).get_json()
    assert [t["name"] for t in body["teams"]] == ["B team"] and body["overall"]["tasks"] == 1


def test_a_csm_is_refused(client, api_headers):
    response = client.get(URL, headers=api_headers("csm"))
    assert response.status_code == 403
    assert "csm" in response.get_json()["error"]["message"]


@pytest.mark.parametrize(
    ("query", "field"),
    [("start=2026-11-31", "start"), ("start=2026-11-10&end=2026-11-01", "start"),
     ("start=2020-01-01&end=2026-01-01", "start")],
)  # fmt: skip
def test_bad_ranges_are_422(client, api_headers, query, field):
    response = client.get(f"{URL}?{query}", headers=api_headers("admin"))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input"
    assert any(key.endswith(field) for key in error["fields"]), error


def test_it_is_documented(client, api_headers):
    spec = client.get("/api/v1/openapi.json", headers=api_headers("admin")).get_json()
    assert "get" in spec["paths"][URL]
