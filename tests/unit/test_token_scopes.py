"""The scope rule of API tokens, as a table of cases."""

from __future__ import annotations

import pytest

from feedback import token_scopes as ts


@pytest.mark.parametrize(
    ("access", "resources", "endpoint", "method", "allowed"),
    [
        ("read", "*", "api_tasks.TaskById", "GET", True),
        ("read", "*", "api_tasks.TaskById", "PATCH", False),
        ("read", "tasks", "api_tasks.Tasks", "POST", False),
        ("write", "tasks", "api_tasks.Tasks", "POST", True),
        ("write", "tasks", "api_responses.Responses", "GET", False),
        ("read", "tasks,responses", "api_responses.Responses", "GET", True),
        ("read", "tasks", "api-docs.openapi_json", "GET", True),
        ("write", "*", "api_jobs.Run", "POST", True),  # a future resource: only "*" opens it
        ("write", "tasks", "api_jobs.Run", "POST", False),
    ],
)
def test_refusal(access, resources, endpoint, method, allowed):
    assert (ts.refusal(access, resources, endpoint, method) is None) is allowed


def test_a_read_only_refusal_says_so():
    assert "read-only" in ts.refusal("read", "*", "api_tasks.Tasks", "POST")


def test_clean_scope_stores_a_canonical_list():
    assert ts.clean_scope("read", ["tasks", "responses"]) == ("read", "responses,tasks")
    assert ts.clean_scope("write", list(ts.RESOURCES)) == ("write", "*")
    assert ts.clean_scope("write", ["*", "tasks"]) == ("write", "*")


@pytest.mark.parametrize(
    ("access", "resources"), [("admin", ["tasks"]), ("read", []), ("read", ["payroll"])]
)
def test_clean_scope_refuses_what_does_not_exist(access, resources):
    with pytest.raises(ts.ScopeError):
        ts.clean_scope(access, resources)


def test_describe():
    assert ts.describe("read", "tasks,responses") == "read-only: responses, tasks"
    assert ts.describe("write", "*") == "read-write: all resources"
