"""A NUL character (U+0000) anywhere a client can put text gets a clear 400, never a 500
(PostgreSQL cannot store it; the fuzz run found the token endpoint answering 500)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_json_body_with_nul_is_refused_with_a_message_in_chinese(officer_a):
    body = json.dumps({"username": "officer\u0000a", "password": "x"})
    response = Client().post("/api/v1/auth/token", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    assert "NUL" in response.json()["detail"]
    assert "字符" in response.json()["detail"]


def test_a_nul_inside_a_nested_json_value_is_refused(officer_a):
    client = Client()
    client.force_login(officer_a)
    body = json.dumps({"description": "ok", "tags": [{"x": "a\u0000b"}]})
    response = client.post("/api/v1/findings/", body, content_type="application/json")
    assert response.status_code == 400


def test_an_escaped_backslash_before_u0000_is_ordinary_text(officer_a):
    # The text is a backslash followed by "u0000": no NUL; the endpoint answers as usual.
    body = json.dumps({"username": "officer\\u0000a", "password": "x"})
    assert "\\\\u0000" in body
    response = Client().post("/api/v1/auth/token", body, content_type="application/json")
    assert response.status_code == 401


def test_a_query_string_with_nul_is_refused_on_pages_and_api(chief_a):
    client = Client()
    client.force_login(chief_a)
    page = client.get(reverse("findings:ledger") + "?q=a%00b")
    assert page.status_code == 400
    assert "NUL" in page.content.decode()
    assert client.get("/api/v1/findings/?q=%00").status_code == 400
    assert client.get(reverse("findings:ledger") + "?q=ab").status_code == 200


def test_a_form_body_with_nul_is_refused():
    body = urlencode({"username": "a\x00", "password": "b"})
    response = Client().post(
        reverse("login"), body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
