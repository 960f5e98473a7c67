"""The API's schema is a contract with the phone clients: integers are bounded, every error
an operation can answer is documented with its shape, operations are named and tagged for
the clients generated from it, and the docs need a signed-in user (decision 0007)."""

from __future__ import annotations

import pytest

from config.api import api

TOO_BIG = "9223372036854775808"  # int64 max + 1


@pytest.fixture
def schema():
    return api.get_openapi_schema()


def _operations(schema):
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            yield path, method, op


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/units?limit={TOO_BIG}",
        f"/api/v1/units?offset={TOO_BIG}",
        f"/api/v1/units?parent={TOO_BIG}",
        f"/api/v1/units/{TOO_BIG}",
        f"/api/v1/people?unit={TOO_BIG}",
        f"/api/v1/registry/persons?unit={TOO_BIG}",
        f"/api/v1/findings/?unit={TOO_BIG}&offset=2147483647&limit=1000",
        f"/api/v1/visits/tasks?beat={TOO_BIG}",
    ],
)
def test_an_integer_past_int64_is_a_422_naming_the_parameter(office, client_for, url):
    """Was a 500 (`GET /api/v1/units?limit=9223372036854775808`)."""
    r = client_for(office).get(url)
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_input"


def test_a_visit_body_with_a_huge_task_id_is_a_422(office, client_for, campaign):
    body = {
        "client_uuid": "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
        "task_id": int(TOO_BIG),
        "outcome": "visited",
        "started_at": "2026-12-01T09:00:00+08:00",
        "ended_at": "2026-12-01T09:20:00+08:00",
        "members": [],
    }
    r = client_for(office).post("/api/v1/visits/", body, content_type="application/json")
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-1] == "task_id"


def test_every_integer_in_the_schema_is_bounded(schema):
    """Query, path and body integers all carry a maximum the database can hold."""
    unbounded = []

    def walk(node, where):
        if isinstance(node, dict):
            if node.get("type") == "integer" and "maximum" not in node and where[0] == "in":
                unbounded.append(where)
            for key, value in node.items():
                walk(value, (*where, key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, (*where, i))

    for path, method, op in _operations(schema):
        walk(op.get("parameters", []), ("in", path, method))
    for name, component in schema["components"]["schemas"].items():
        if name.endswith("In") or name in {"TransitionIn"}:
            walk(component, ("in", name))
    assert unbounded == []


def test_every_operation_documents_its_errors_with_the_error_shape(schema):
    for path, method, op in _operations(schema):
        statuses = set(op["responses"])
        assert 401 in statuses or "401" in statuses, (path, method)
        if op.get("parameters") or op.get("requestBody"):
            assert {422, "422"} & statuses, (path, method)
        if "{" in path:
            assert {404, "404"} & statuses, (path, method)
        for status, answer in op["responses"].items():
            if int(status) >= 400:
                ref = answer["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorOut"), (path, method, status)
    error = schema["components"]["schemas"]["ErrorOut"]
    assert set(error["required"]) == {"detail", "code"}


def test_conflicts_are_documented_where_a_client_uuid_or_version_is_sent(schema):
    for path in (
        "/api/v1/visits/",
        "/api/v1/findings/",
        "/api/v1/findings/{finding_id}/transitions",
    ):
        assert 409 in schema["paths"][path]["post"]["responses"]


def test_operations_are_named_and_tagged_for_client_users(schema):
    apps = {
        "auth",
        "org",
        "registry",
        "findings",
        "visits",
        "supervision",
        "offline",
        "patrol",
        "pocketbook",
    }
    ids = {}
    for path, method, op in _operations(schema):
        (tag,) = op["tags"]
        assert tag in apps
        assert op["operationId"].startswith(f"{tag}_"), op["operationId"]
        assert "zoufang" not in op["operationId"]
        ids[op["operationId"]] = (path, method)
    assert ids["visits_submit"] == ("/api/v1/visits/", "post")
    assert ids["findings_list"] == ("/api/v1/findings/", "get")
    assert ids["auth_token"] == ("/api/v1/auth/token", "post")


def test_the_api_docs_need_a_signed_in_user(client, office, client_for, db):
    for url in ("/api/v1/docs", "/api/v1/openapi.json"):
        anonymous = client.get(url)
        assert anonymous.status_code == 302
        assert anonymous["Location"].startswith("/accounts/login/")
        assert client_for(office).get(url).status_code == 200
    # /api/docs is a shortcut to the same page, so it ends on the login page too.
    assert client.get("/api/docs", follow=True).redirect_chain[-1][0].startswith("/accounts/login/")
