"""GET /api/v1/responses narrowed to one contact or one account."""

from __future__ import annotations

from tests.builders import add_response, contact_of
from tests.http.api_helpers import error


def test_responses_by_contact_and_by_account(client, session, admin, make_account, make_contact):
    mega = make_account(name="MegaCorp")
    other = make_account(name="Other")
    dana = contact_of(session, make_contact, mega)
    lee = contact_of(session, make_contact, mega)
    tom = contact_of(session, make_contact, other)
    mine = [add_response(session, dana, score=s) for s in (3, 9)]
    colleague = add_response(session, lee, score=7)
    add_response(session, tom, score=10)

    def ids(query):
        response = client.get(f"/api/v1/responses?{query}", headers=admin)
        assert response.status_code == 200, response.get_data(as_text=True)
        return sorted(item["id"] for item in response.get_json()["items"])

    assert ids(f"contact_id={dana.id}") == sorted(r.id for r in mine)
    assert ids(f"account_id={mega.id}") == sorted([*(r.id for r in mine), colleague.id])
    assert ids(f"account_id={mega.id}&contact_id={lee.id}") == [colleague.id]
    assert ids(f"account_id={other.id}&contact_id={lee.id}") == []
    error(client.get("/api/v1/responses?contact_id=abc", headers=admin), 422)
