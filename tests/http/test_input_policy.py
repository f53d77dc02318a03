"""The edge's input policy: control characters, out-of-range ids and deep JSON are a 4xx with a
clear message (HTML for pages, the API error shape for /api), never a 500, and nothing is kept."""

from __future__ import annotations

import json

import pytest

from feedback.models import Account, Response
from tests.http.api_helpers import error

NUL = "\x00"


def test_nul_in_the_login_form_is_a_400_page(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email + NUL, "password": "x" + NUL})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "control character" in body and "<html" in body.lower()


def test_nul_in_a_survey_comment_is_refused_and_nothing_is_stored(client, session, survey_link):
    token, invitation_id = survey_link()
    response = client.post(f"/r/{token}", data={"score": "3", "comment": f"bad{NUL}comment"})
    assert response.status_code == 400
    assert "control character" in response.get_data(as_text=True)
    assert session.query(Response).filter_by(invitation_id=invitation_id).count() == 0
    for path in (f"/r/{token}/callback", f"/r/{token}/referral"):
        assert client.post(path, data={"phone": NUL, "name": NUL}).status_code == 400


def test_tab_and_newline_stay_allowed_in_text(client, session, survey_link):
    token, invitation_id = survey_link()
    response = client.post(f"/r/{token}", data={"score": "3", "comment": "one\r\n\ttwo"})
    assert response.status_code == 303
    saved = session.query(Response).filter_by(invitation_id=invitation_id).one()
    assert saved.comment.replace("\r\n", "\n") == "one\n\ttwo"


@pytest.mark.parametrize("url", ["/resolved/abc%00def", "/r/ab%00cd", "/u/x%01y"])
def test_control_characters_in_a_url_part_are_a_400(client, url):
    """A customer link mangled on its way from the email: the customer's words for it."""
    response = client.get(url)
    assert response.status_code == 400
    assert "This link does not work" in response.get_data(as_text=True)


def test_nul_in_a_query_filter_is_a_400_in_the_api_shape(client, admin):
    body = error(client.get("/api/v1/accounts?status=a%00b", headers=admin), 400, "bad_request")
    assert "status" in body["fields"]


def test_ids_above_the_integer_column_are_404_not_500(client, admin):
    for url in (
        f"/api/v1/accounts/{2**31}",
        f"/api/v1/accounts/{10**30}",
        f"/api/v1/tasks/{2**40}",
    ):
        error(client.get(url, headers=admin), 404, "not_found")


def test_a_huge_page_number_is_a_400(client, admin):
    body = error(client.get(f"/api/v1/accounts?page={10**20}", headers=admin), 400)
    assert "page" in body["fields"]
    body = error(client.get(f"/api/v1/accounts?page={2**31 - 1}", headers=admin), 422)
    assert "query.page" in body["fields"]


def test_nul_in_a_json_body_names_the_field_and_stores_nothing(client, session, admin):
    response = client.post("/api/v1/accounts", headers=admin, json={"name": f"Acme{NUL}"})
    body = error(response, 400, "invalid_input")
    assert body["fields"] == {"name": ["Contains a control character (such as NUL); remove it."]}
    assert session.query(Account).count() == 0


def test_deep_json_is_refused_before_it_reaches_the_parser_limit(client, admin):
    for depth in (40, 5000):
        raw = '{"name": "x", "attributes": ' + "[" * depth + "]" * depth + "}"
        response = client.post(
            "/api/v1/accounts", headers=admin, data=raw, content_type="application/json"
        )
        assert error(response, 400)["message"]


def test_json_over_the_size_bound_is_a_413(app, client, admin):
    app.config["MAX_JSON_BYTES"] = 1000
    raw = json.dumps({"name": "x" * 2000})
    response = client.post(
        "/api/v1/accounts", headers=admin, data=raw, content_type="application/json"
    )
    error(response, 413, "too_large")


def test_a_json_integer_beyond_any_column_is_a_400(client, admin):
    response = client.post("/api/v1/accounts", headers=admin, json={"name": "A", "arr": 10**30})
    assert "arr" in error(response, 400)["fields"]


def test_arr_is_sent_as_the_documented_type(client, admin):
    created = client.post("/api/v1/accounts", headers=admin, json={"name": "A", "arr": 1200.5})
    assert created.status_code == 201, created.get_data(as_text=True)
    spec = client.get("/api/v1/openapi.json", headers=admin).get_json()
    documented = spec["components"]["schemas"]["Account"]["properties"]["arr"]["type"]
    sent = created.get_json()["arr"]
    assert {"string": str, "number": (int, float)}[documented] and isinstance(
        sent, {"string": str, "number": (int, float)}[documented]
    )
