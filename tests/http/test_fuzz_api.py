"""Schemathesis against the API's own OpenAPI document, through the WSGI app with a bearer token.

Every generated request must answer without a server error and with a body that matches what
the document promises for that status. Bounded examples per operation keep the pass within a
couple of minutes on a small machine, on SQLite and on PostgreSQL alike; derandomized, so a
failure found once is found again. (schemathesis' own pytest plugin does not run under this
pytest; its Python API with hypothesis' @given does the same work.)
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

MAX_EXAMPLES = 12
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def test_api_answers_without_server_errors_and_as_documented(app, admin):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, headers=admin)
    failures: dict[str, str] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(case=operation.as_strategy())
        def run(case):
            case.call_and_validate(headers=admin, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures[operation.label] = f"{type(exc).__name__}: {str(exc)[:1500]}"
    assert operations > 20
    assert not failures, "\n\n".join(f"{k}\n{v}" for k, v in failures.items())
