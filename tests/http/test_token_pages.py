"""API tokens in the browser: made, scoped, shown once, revoked; admins see and revoke all."""

from __future__ import annotations

import re

from feedback.models import ApiToken, AuditEvent
from feedback.services import api_tokens


def _new_token(page: str) -> str:
    match = re.search(r'<code id="new-token">([^<]+)</code>', page)
    assert match, page
    return match.group(1)


def test_a_person_makes_a_read_only_token_and_uses_it(client, session, make_user, login):
    user = make_user("csm")
    login(user)
    response = client.post("/me/tokens", data={"name": "CRM sync", "access": "read",
                                               "resources": ["tasks", "responses"]})  # fmt: skip
    assert response.status_code == 201
    token = _new_token(response.get_data(as_text=True))
    row = session.query(ApiToken).filter_by(user_id=user.id).one()
    assert row.token_hash != token and token not in row.prefix
    assert (row.access, row.resources) == ("read", "responses,tasks")

    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    assert client.get("/api/v1/contacts", headers=headers).status_code == 403

    page = client.get("/me/tokens").get_data(as_text=True)
    assert "CRM sync" in page and "read-only: responses, tasks" in page
    assert token not in page  # shown once, never again
    assert "never" not in page.split("CRM sync")[1].split("</tr>")[0]  # last used is shown

    audit = session.query(AuditEvent).filter_by(action="api_token.created").one()
    assert audit.actor_user_id == user.id and audit.target_id == row.id


def test_a_bad_scope_is_refused_with_a_message(client, make_user, login):
    login(make_user("csm"))
    response = client.post("/me/tokens", data={"name": "x", "access": "read"})
    assert response.status_code == 422
    assert "Choose at least one resource" in response.get_data(as_text=True)
    response = client.post("/me/tokens", data={"access": "root", "resources": ["*"]})
    assert response.status_code == 422


def test_owner_revokes_own_token_but_not_anothers(client, session, make_user, login):
    owner, other = make_user("csm"), make_user("csm")
    mine, token = api_tokens.create_token(session, owner, "mine")
    theirs, _ = api_tokens.create_token(session, other, "theirs")
    session.commit()
    login(owner)
    assert client.post(f"/me/tokens/{theirs.id}/revoke").status_code == 403
    assert client.post(f"/me/tokens/{mine.id}/revoke").status_code == 303
    session.refresh(mine)
    assert mine.revoked_at is not None
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/teams", headers=headers).status_code == 401
    assert client.post("/me/tokens/999999/revoke").status_code == 404


def test_admin_sees_and_revokes_everyones_tokens(client, session, make_user, login):
    csm = make_user("csm")
    row, _ = api_tokens.create_token(session, csm, "csm's sync")
    session.commit()
    login(make_user("admin"))
    page = client.get("/admin/tokens").get_data(as_text=True)
    assert "csm&#39;s sync" in page and csm.email in page
    assert client.post(f"/admin/tokens/{row.id}/revoke").status_code == 303
    session.refresh(row)
    assert row.revoked_at is not None
    event = session.query(AuditEvent).filter_by(action="api_token.revoked").one()
    assert event.target_id == row.id
