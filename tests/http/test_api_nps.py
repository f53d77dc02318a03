"""GET /api/v1/nps: the dashboard's figures for machines, grouped and filtered the same way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.builders import add_response

URL = "/api/v1/nps"


@pytest.fixture
def answers(session, make_account, make_contact):
    make_account(region="EMEA", plan="Pro", arr="60000", domains=["emea.example"])
    make_account(region="AMER", plan="Basic", domains=["amer.example"])
    emea, amer = make_contact(email="e@emea.example"), make_contact(email="a@amer.example")
    day = datetime(2026, 10, 14, 12, tzinfo=UTC)
    for i in range(10):
        add_response(session, emea, score=2 if i < 6 else 10, answered_at=day + timedelta(hours=i))
        add_response(session, amer, score=9, answered_at=day + timedelta(days=20, hours=i))


RANGE = "from=2026-10-01&to=2026-11-30"


def test_grouped_by_region_with_honest_error_bars(client, api_headers, answers):
    body = client.get(f"{URL}?group_by=region&{RANGE}", headers=api_headers("csm")).get_json()
    assert (body["group_by"], body["start"], body["end"]) == ("region", "2026-10-01", "2026-11-30")
    groups = {g["key"]: g for g in body["groups"]}
    emea = groups["EMEA"]
    assert (emea["n"], emea["promoters"], emea["detractors"], emea["nps"]) == (10, 4, 6, -20.0)
    # adjusted Wald: n 13, p_pro 4.75/13 = .36538, p_det 6.75/13 = .51923, centre −15.38,
    # variance .88462 − .02367 = .86095, se √(.86095/13) = 25.735, ± 1.96 × 25.735 = 50.44
    assert emea["ci_low"] == pytest.approx(-65.82, abs=0.01)
    assert emea["margin_of_error"] == pytest.approx(50.44, abs=0.01)
    assert emea["small_sample"] is True
    assert groups["AMER"]["nps"] == 100.0


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        ("group_by=month", ["2026-10-01", "2026-11-01"]),
        ("group_by=all", ["all"]),
        ("group_by=arr", ["50k-250k", "unknown"]),
        ("group_by=region&segment=region:AMER", ["AMER"]),
        ("group_by=all&from=2026-11-01", ["all"]),
    ],
)
def test_groups_and_filters(client, api_headers, answers, query, keys):
    body = client.get(f"{URL}?{RANGE}&{query}", headers=api_headers("admin")).get_json()
    assert [g["key"] for g in body["groups"]] == keys


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("group_by=shoe_size", "group_by"),
        ("segment=shoe:42", "segment"),
        ("from=2026-12-01&to=2026-11-01", "from"),
        ("from=2020-01-01&to=2026-11-01", "from"),
        ("program=0", "program"),
        ("from=soon", "from"),
    ],
)
def test_wrong_arguments_are_422_with_the_field(client, api_headers, query, field):
    response = client.get(f"{URL}?{query}", headers=api_headers("admin"))
    assert response.status_code == 422
    assert f"query.{field}" in response.get_json()["error"]["fields"]


def test_needs_a_token(client):
    assert client.get(URL).status_code == 401


def test_is_documented(client, api_headers):
    spec = client.get("/api/v1/openapi.json", headers=api_headers("csm")).get_json()
    operation = spec["paths"]["/api/v1/nps"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert names == {"group_by", "from", "to", "program", "segment"}
