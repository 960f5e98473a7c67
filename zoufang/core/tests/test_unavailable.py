"""While the database cannot be reached, pages and the API answer 503 with a clear message
and Retry-After, not a stack trace; other errors stay a plain 500."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def broken_ledger(monkeypatch):
    from zoufang.findings import views

    def fail(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr(views, "_decorate", fail)


def _client(user) -> Client:
    c = Client(raise_request_exception=False)
    c.force_login(user)
    return c


def test_a_page_gets_503_with_a_message_when_the_database_is_away(broken_ledger, chief_a):
    r = _client(chief_a).get("/findings/")
    assert r.status_code == 503
    assert r["Retry-After"]
    body = r.content.decode()
    assert "数据库" in body
    assert "Traceback" not in body
    assert "Connection refused" not in body


def test_the_api_gets_503_in_its_error_shape(monkeypatch, chief_a):
    from zoufang.findings import api

    def fail(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(api.selectors, "finding_list", fail)
    r = _client(chief_a).get("/api/v1/findings/")
    assert r.status_code == 503
    assert r.json()["code"] == "unavailable"


def test_any_other_error_stays_a_500(monkeypatch, chief_a):
    from zoufang.findings import views

    def fail(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(views, "_decorate", fail)
    r = _client(chief_a).get("/findings/")
    assert r.status_code == 500
