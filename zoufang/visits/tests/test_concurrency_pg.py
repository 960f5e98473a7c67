"""Concurrent submissions on PostgreSQL: 20 identical requests at once make one visit, and
every one of them is answered with it; 20 different visits to one task make one visit. Each on
both submission paths (pgsubmit's statements and the ORM's)."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connections

from zoufang.visits.models import TaskEvent, Visit, VisitMember, VisitTask
from zoufang.visits.tests.test_api import payload

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.multiprocess,
]

N = 20


def _burst(make_body, token_key: str) -> list:
    from django.test import Client

    barrier = threading.Barrier(N)
    results: list = [None] * N

    def worker(i: int) -> None:
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token_key}")
        try:
            barrier.wait()
            r = client.post("/api/v1/visits/", make_body(i), content_type="application/json")
            results[i] = (r.status_code, r.json())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_twenty_identical_requests_make_one_visit(member_a, household_task, people, submit_path):
    from zoufang.org.services import api_token_create

    _t, key = api_token_create(user=member_a)
    body = payload(household_task, people)
    results = _burst(lambda i: body, key)
    codes = sorted(code for code, _ in results)
    assert codes.count(201) == 1
    assert codes.count(200) == N - 1
    assert len({b["id"] for _, b in results}) == 1
    assert Visit.objects.filter(client_uuid=body["client_uuid"]).count() == 1
    assert VisitMember.objects.count() == 2
    assert TaskEvent.objects.filter(task=household_task, action="visit").count() == 1
    assert VisitTask.objects.get(pk=household_task.pk).attempts == 1


def test_twenty_different_visits_to_one_task_make_one(
    member_a, household_task, people, submit_path
):
    from zoufang.org.services import api_token_create

    _t, key = api_token_create(user=member_a)
    bodies = [payload(household_task, people, client_uuid=str(uuid.uuid4())) for _ in range(N)]
    results = _burst(lambda i: bodies[i], key)
    codes = [code for code, _ in results]
    assert codes.count(201) == 1
    assert codes.count(422) == N - 1
    assert Visit.objects.count() == 1


def test_twenty_identical_calls_that_leave_the_task_open_make_one_visit(
    member_a, household_task, people, submit_path
):
    """Nobody home keeps the task open, so the waiting requests pass the task check and meet
    the first visit at the unique client UUID instead."""
    from zoufang.org.services import api_token_create

    _t, key = api_token_create(user=member_a)
    body = payload(household_task, people, outcome="nobody_home", answers={})
    results = _burst(lambda i: body, key)
    codes = sorted(code for code, _ in results)
    assert codes.count(201) == 1
    assert codes.count(200) == N - 1
    assert len({b["id"] for _, b in results}) == 1
    assert Visit.objects.count() == 1
    task = VisitTask.objects.get(pk=household_task.pk)
    assert (task.state, task.attempts) == ("retry", 1)
