"""A 409 carries what the server holds, for the conflict screen — only to whom may see it."""

from __future__ import annotations

import uuid

from zoufang.visits.tests.test_api import payload, post


def test_a_visit_conflict_carries_the_servers_version(
    client_for, member_a, household_task, people, catalog
):
    c = client_for(member_a)
    data = payload(household_task, people, note="第一次")
    assert post(c, "/api/v1/visits/", data).status_code == 201
    r = post(c, "/api/v1/visits/", {**data, "note": "手机上改过"})
    assert r.status_code == 409
    existing = r.json()["existing"]
    assert existing["note"] == "第一次"
    assert existing["title"] == household_task.address
    assert "张社区" in existing["members"]


def test_no_version_for_a_user_who_may_not_see_the_visit(
    client_for, member_a, officer_b, household_task, tasks, places, people, catalog
):
    data = payload(household_task, people)
    assert post(client_for(member_a), "/api/v1/visits/", data).status_code == 201
    task_b = tasks[places.beat_b.pk]
    r = post(
        client_for(officer_b),
        "/api/v1/visits/",
        {**data, "task_id": task_b.pk, "members": [people.co_b.pk]},
    )
    assert r.status_code == 409
    assert "existing" not in r.json()


def test_a_finding_conflict_carries_the_servers_version(client_for, member_a, tree, catalog):
    c = client_for(member_a)
    body = {
        "client_uuid": str(uuid.uuid4()),
        "kind": "hazard-fire",
        "beat_id": tree.beat_a.pk,
        "description": "楼道堆放杂物",
    }
    assert post(c, "/api/v1/findings/", body).status_code == 201
    r = post(c, "/api/v1/findings/", {**body, "description": "楼道堆放杂物和电动车"})
    assert r.status_code == 409
    assert r.json()["existing"]["description"] == "楼道堆放杂物"
