"""The phone API keeps its published contract: what a task says matches its schema, and a
Bearer request is judged by its token alone."""

from __future__ import annotations

import datetime as dt
import re

from django.test import Client
from django.utils import timezone

from config.api import api
from zoufang.org.services import api_token_create
from zoufang.visits.models import Visit
from zoufang.visits.tests.test_api import payload, post

# RFC 3339 full-time, what OpenAPI's `format: time` means: the offset is required.
RFC3339_FULL_TIME = r"\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})"


def test_a_tasks_appointment_times_match_what_the_schema_declares(member_a, household_task):
    household_task.appointment_date = timezone.localdate()
    household_task.appointment_start = dt.time(9, 0)
    household_task.appointment_end = dt.time(10, 30)
    household_task.save()
    _token, key = api_token_create(user=member_a)
    body = Client(HTTP_AUTHORIZATION=f"Bearer {key}").get(
        f"/api/v1/visits/tasks/{household_task.pk}"
    )
    assert body.status_code == 200
    task = body.json()
    props = api.get_openapi_schema()["components"]["schemas"]["TaskOut"]["properties"]
    for name, value in (("appointment_start", "09:00:00"), ("appointment_end", "10:30:00")):
        assert task[name] == value
        (declared,) = [s for s in props[name]["anyOf"] if s.get("type") == "string"]
        if declared.get("format") == "time":
            assert re.fullmatch(RFC3339_FULL_TIME, task[name]), (name, task[name])
        else:
            assert re.fullmatch(declared["pattern"], task[name]), (name, task[name])


def test_a_bearer_post_with_a_stray_session_cookie_is_judged_by_its_token(
    member_a, household_task, people, catalog
):
    """Was 403 `CSRF check Failed`: a phone's webview had left a `sessionid` cookie behind."""
    _token, key = api_token_create(user=member_a)
    c = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {key}")
    c.cookies["sessionid"] = "left-over-from-a-webview"
    r = post(c, "/api/v1/visits/", payload(household_task, people))
    assert r.status_code == 201, r.content
    assert Visit.objects.filter(task=household_task).count() == 1


def test_a_session_post_without_csrf_is_refused_in_the_users_language(
    member_a, household_task, people
):
    c = Client(enforce_csrf_checks=True)
    c.force_login(member_a)
    r = post(c, "/api/v1/visits/", payload(household_task, people))
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"
    assert r.json()["detail"].startswith("表单安全令牌")  # Chinese, the default language
    assert Visit.objects.count() == 0
