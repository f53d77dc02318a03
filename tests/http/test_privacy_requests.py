"""Privacy requests through their two doors: the API (DELETE ?erase=true, GET .../export) and
the CLI (`contacts erase EMAIL`, `contacts export EMAIL`), each audited with its actor."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from feedback.models import Contact, Response
from feedback.models.privacy import PrivacyRequest
from feedback.services import org
from tests.http.api_helpers import error
from tests.privacy_world import COMMENT, EMAIL, traces_left

URL = "/api/v1/contacts"


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(args=list(args), input=input, catch_exceptions=False)

    return invoke


def audit(session) -> list[tuple[str, str, str]]:
    rows = session.scalars(select(PrivacyRequest).order_by(PrivacyRequest.id))
    return [(r.kind, r.channel, r.actor) for r in rows]


def test_api_erase_keeps_scores_and_is_audited_with_the_caller(
    client, session, erasable, make_user
):
    dpo = make_user("admin", email="dpo@acme.example")
    _, token = org.create_api_token(session, dpo.email, "tests")
    session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    jane_id = erasable.jane.id
    answer = client.delete(f"{URL}/{jane_id}?erase=true", headers=headers)
    assert answer.status_code == 204, answer.get_data(as_text=True)
    session.expire_all()
    assert traces_left(session) == []
    scores = session.scalars(select(Response.score).where(Response.contact_id == jane_id))
    assert sorted(scores) == [3, 10]
    assert audit(session) == [("erase", "api", "dpo@acme.example")]
    got = client.get(f"{URL}/{jane_id}", headers=headers).get_json()
    assert got["email"] == f"erased-{jane_id}@erased.invalid" and got["unsubscribed"] is True


def test_api_plain_delete_still_deletes(client, session, erasable, admin):
    jane_id = erasable.jane.id
    assert client.delete(f"{URL}/{jane_id}", headers=admin).status_code == 204
    session.expire_all()
    assert session.get(Contact, jane_id) is None and audit(session) == []


def test_api_export_gives_the_person_s_data(client, session, erasable, admin):
    answer = client.get(f"{URL}/{erasable.jane.id}/export", headers=admin)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    data = answer.get_json()
    assert data["contact"]["email"] == EMAIL
    assert COMMENT in [s["response"]["comment"] for s in data["surveys"]]
    assert [kind for kind, _, _ in audit(session)] == ["export"]


def test_api_privacy_calls_answer_404_for_an_unknown_contact(client, admin):
    error(client.get(f"{URL}/999999/export", headers=admin), 404, "not_found")
    error(client.delete(f"{URL}/999999?erase=true", headers=admin), 404, "not_found")


def test_api_erase_and_export_are_for_admins_only(client, erasable, api_headers):
    csm = api_headers("csm")
    assert client.get(f"{URL}/{erasable.jane.id}/export", headers=csm).status_code == 403
    assert client.delete(f"{URL}/{erasable.jane.id}?erase=true", headers=csm).status_code == 403


def test_cli_export_prints_json_and_erase_asks_first(run, session, erasable, tmp_path):
    printed = run("contacts", "export", EMAIL.upper())
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.output)["contact"]["email"] == EMAIL
    out = tmp_path / "jane.json"
    assert run("contacts", "export", EMAIL, "-o", str(out)).exit_code == 0
    assert json.loads(out.read_text())["contact"]["name"] == "Jane Roe"

    refused = run("contacts", "erase", EMAIL, input="n\n")
    assert refused.exit_code == 1 and "Aborted" in refused.output
    assert session.get(Contact, erasable.jane.id).email == EMAIL

    erased = run("contacts", "erase", EMAIL, "--yes")
    assert erased.exit_code == 0, erased.output
    assert f"Erased {EMAIL}" in erased.output and "responses kept: 2" in erased.output
    session.expire_all()
    assert traces_left(session) == []
    assert [(k, c) for k, c, _ in audit(session)] == [
        ("export", "cli"), ("export", "cli"), ("erase", "cli")
    ]  # fmt: skip
    assert all(actor.startswith("cli:") for _, _, actor in audit(session))


def test_cli_names_an_unknown_address(run):
    result = run("contacts", "erase", "nobody@example.com", "--yes")
    assert result.exit_code == 1
    assert "There is no contact with the email nobody@example.com." in result.output
