"""Schemathesis against the whole API, once per role: generated requests through the Django
WSGI app with that role's Bearer token. Passes when no answer is a server error and every
answer (status, content type, body) is the one the schema documents.

Marked `fuzz`: it runs on the PostgreSQL pass of CI (`make fuzz`, part of .ci/run). Each
role's test builds the demo tree once and then sends FUZZ_EXAMPLES (default 15) generated
requests to each of the 27 operations, so the six roles stay within a few minutes."""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.api import api
from zoufang.org.services import api_token_create

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
ROLES = ["member_a", "officer_a", "chief_a", "county_admin", "office", "researcher"]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def _keep_the_test_connection():
    """The WSGI app closes "old" connections at each request's start and end, which, inside
    the test's transaction on PostgreSQL, is the test's own connection. Django's test client
    unhooks the same signal handlers while it runs; so does this, for the whole test."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def schema():
    loaded = schemathesis.openapi.from_dict(json.loads(json.dumps(api.get_openapi_schema())))
    loaded.app = get_wsgi_application()
    return loaded


def _fuzz(operation, headers: dict) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.usefixtures("_keep_the_test_connection")
def test_the_api_answers_what_its_schema_says(schema, role, request, people, campaign):
    """The demo tree (a campaign, two teams) is there, so lists have rows and scoped reads
    answer 200 as well as 404."""
    user = request.getfixturevalue(role)
    _token, key = api_token_create(user=user, name="fuzz")
    headers = {"Authorization": f"Bearer {key}"}
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        try:
            _fuzz(operation, headers)
        except Exception as exc:  # collected, reported together below
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
