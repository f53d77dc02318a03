"""A database that went away under a request answers 503 with a message and Retry-After, on
the API and on pages; any other database error stays a bug (500). The real outage, with
pg_terminate_backend against gunicorn, is tests/http/test_database_outage.py."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError, ProgrammingError

from feedback.errors import MESSAGES
from feedback.services import contacts, overview
from tests.http.api_helpers import error


def lost(*_args, **_kwargs):
    raise OperationalError("SELECT 1", {}, Exception("terminating connection"))


def test_api_answers_503_in_the_error_shape(client, admin, monkeypatch):
    monkeypatch.setattr(contacts, "list_contacts", lost)
    answer = client.get("/api/v1/contacts", headers=admin)
    body = error(answer, 503, "unavailable")
    assert body["message"] == MESSAGES[503]
    assert answer.headers["Retry-After"] == "5"


def test_a_page_answers_503_with_the_message(client, login, make_user, monkeypatch):
    login(make_user("csm"))  # a CSM's home page is the overview (an admin's, the dashboard)
    monkeypatch.setattr(overview, "counts", lost)
    answer = client.get("/")
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
    assert MESSAGES[503] in answer.get_data(as_text=True)


def test_other_database_errors_are_not_disguised_as_an_outage(client, admin, monkeypatch):
    def bad(*_args, **_kwargs):
        raise ProgrammingError("SELECT 1", {}, Exception("column does not exist"))

    monkeypatch.setattr(contacts, "list_contacts", bad)
    with pytest.raises(ProgrammingError):  # TESTING propagates it; production answers 500
        client.get("/api/v1/contacts", headers=admin)
