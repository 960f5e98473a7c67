from __future__ import annotations

import datetime as dt

import time_machine
from django.test import Client
from django.utils import timezone

from zoufang.org.models import ApiToken
from zoufang.org.tests.factories import DepartmentFactory, PersonnelFactory


def _token(client: Client, username: str, password: str = "pw-for-tests-1"):
    return client.post(
        "/api/v1/auth/token",
        {"username": username, "password": password, "device": "phone"},
        content_type="application/json",
    )


def test_a_phone_gets_a_token_and_reads_me_with_it(officer_a, tree):
    response = _token(Client(), "officer_a")
    assert response.status_code == 200
    key = response.json()["token"]
    me = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert me.status_code == 200
    body = me.json()
    assert body["username"] == "officer_a"
    assert body["unit"]["name"] == tree.beat_a.name
    assert body["campaign_wide"] is False
    # The key itself is never stored.
    assert not ApiToken.objects.filter(key_hash=key).exists()


def test_a_token_sees_only_its_users_scope(officer_b, people):
    key = _token(Client(), "officer_b").json()["token"]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get(f"/api/v1/people/{people.co_b.pk}").status_code == 200
    assert client.get(f"/api/v1/people/{people.co_a.pk}").status_code == 404


def test_a_wrong_password_gets_401_with_the_error_shape(officer_a):
    response = _token(Client(), "officer_a", "nope-nope")
    assert response.status_code == 401
    assert set(response.json()) == {"detail", "code"}


def test_an_expired_or_unknown_token_is_refused(officer_a, settings):
    key = _token(Client(), "officer_a").json()["token"]
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION="Bearer not-a-token").status_code == 401
    with time_machine.travel(timezone.now() + settings.API_TOKEN_TTL + dt.timedelta(minutes=1)):
        assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_a_deactivated_users_token_stops_working(officer_a):
    key = _token(Client(), "officer_a").json()["token"]
    officer_a.is_active = False
    officer_a.save()
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_the_session_works_for_the_api_too(office, client_for):
    assert client_for(office).get("/api/v1/me").json()["campaign_wide"] is True


def test_phones_are_masked_unless_the_viewer_manages_the_unit(
    people, chief_a, officer_a, leader, client_for
):
    url = f"/api/v1/people/{people.co_a.pk}"
    assert client_for(chief_a).get(url).json()["phone"] == "13800000001"
    assert client_for(officer_a).get(url).json()["phone"] == "138****0001"
    assert client_for(leader).get(url).json()["phone"] == "138****0001"


def test_openapi_schema_and_docs_are_served(client, office, client_for):
    # Signed in only (decision 0007); zoufang/core/tests/test_api_schema.py tests the refusal.
    schema = client_for(office).get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/auth/token" in paths
    assert "/api/v1/people" in paths
    docs = client_for(office).get("/api/docs", follow=True)
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


def test_team_api_lists_rule_warnings(people, office, client_for):
    rows = client_for(office).get("/api/v1/teams?noncompliant=true").json()["items"]
    assert [r["name"] for r in rows] == ["丁庄走访组"]
    assert {w["code"] for w in rows[0]["warnings"]} == {"officer_auxiliary"}
    detail = client_for(office).get(f"/api/v1/teams/{people.team_a.pk}").json()
    assert {m["name"] for m in detail["members"]} == {"张社区", "李辅警", "王机关"}


def _people_page(client, django_assert_max_num_queries) -> tuple[int, int]:
    """(rows on the page, queries it took); the request must succeed."""
    with django_assert_max_num_queries(8) as ctx:
        response = client.get("/api/v1/people?limit=100")
    assert response.status_code == 200
    return len(response.json()["items"]), len(ctx.captured_queries)


def test_people_list_is_a_fixed_number_of_queries(
    office, people, tree, client_for, django_assert_max_num_queries
):
    client = client_for(office)
    rows, queries = _people_page(client, django_assert_max_num_queries)
    assert rows == 5
    department = DepartmentFactory()
    for _ in range(10):
        PersonnelFactory(unit=tree.s2, deployed_to=tree.beat_b, department=department)
    assert _people_page(client, django_assert_max_num_queries) == (15, queries)
