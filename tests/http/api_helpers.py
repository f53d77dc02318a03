"""What every API test checks about an error answer: status, shape, code and a message."""

from __future__ import annotations


def error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()["error"]
    assert set(body) == {"code", "message", "fields"} and body["message"]
    if code is not None:
        assert body["code"] == code
    return body
