"""API: create (idempotent), list within scope, read, transition."""

from __future__ import annotations

import uuid

import pytest

from zoufang.findings.models import Finding


def _create(client, beat, **kw):
    body = {
        "kind": "dispute-neighbour",
        "description": "楼上漏水引发邻里纠纷",
        "beat_id": beat.pk,
        **kw,
    }
    return client.post("/api/v1/findings/", body, content_type="application/json")


def test_create_is_idempotent_by_client_uuid(catalog, client_for, officer_a, tree):
    c = client_for(officer_a)
    key = str(uuid.uuid4())
    first = _create(c, tree.beat_a, client_uuid=key)
    assert first.status_code == 201
    data = first.json()
    assert data["created"] is True
    assert data["finding"]["owner_unit_id"] == tree.s1.pk
    again = _create(c, tree.beat_a, client_uuid=key)
    assert again.status_code == 200
    assert again.json()["finding"]["id"] == data["finding"]["id"]
    other = _create(c, tree.beat_a, client_uuid=key, description="另一件事")
    assert other.status_code == 409
    assert other.json()["code"] == "conflict"
    assert Finding.objects.count() == 1


def test_the_client_cannot_choose_the_owner(catalog, client_for, officer_a, tree):
    r = _create(client_for(officer_a), tree.beat_a, owner_unit_id=tree.city.pk)
    assert r.status_code == 201
    assert r.json()["finding"]["owner_unit_id"] == tree.s1.pk


def test_create_in_a_beat_outside_scope_is_404(catalog, client_for, officer_b, tree):
    r = _create(client_for(officer_b), tree.beat_a)
    assert r.status_code == 404


def test_bad_input_gets_the_error_shape(catalog, client_for, officer_a, tree):
    r = _create(client_for(officer_a), tree.beat_a, kind="nope")
    assert r.status_code == 422
    assert r.json()["code"] == "invalid"
    assert "kind" in r.json()["detail"]


def test_list_within_scope(raise_finding, client_for, officer_a, officer_b, tree):
    a = raise_finding(officer_a)
    b = raise_finding(officer_b, beat=tree.beat_b, description="另一处")
    ids = {x["id"] for x in client_for(officer_b).get("/api/v1/findings/").json()["items"]}
    assert ids == {b.pk}
    ids = {x["id"] for x in client_for(officer_a).get("/api/v1/findings/").json()["items"]}
    assert ids == {a.pk}


def test_officer_b_gets_404_on_read_and_transition(raise_finding, client_for, officer_a, officer_b):
    a = raise_finding(officer_a)
    c = client_for(officer_b)
    assert c.get(f"/api/v1/findings/{a.pk}").status_code == 404
    r = c.post(
        f"/api/v1/findings/{a.pk}/transitions",
        {"action": "triage", "version": 1},
        content_type="application/json",
    )
    assert r.status_code == 404


def test_transition_and_its_refusals(raise_finding, client_for, officer_a, chief_a):
    a = raise_finding(officer_a)
    c = client_for(chief_a)
    url = f"/api/v1/findings/{a.pk}/transitions"
    r = c.post(
        url,
        {"action": "resolve", "version": a.version, "comment": "x"},
        content_type="application/json",
    )
    assert r.status_code == 422
    r = c.post(url, {"action": "triage", "version": a.version}, content_type="application/json")
    assert r.status_code == 200
    assert r.json()["state"] == "triaged"
    stale = c.post(
        url,
        {"action": "assign", "version": a.version, "assignee_id": officer_a.pk},
        content_type="application/json",
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "changed"
    r = client_for(officer_a).post(
        url,
        {"action": "assign", "version": a.version + 1, "assignee_id": officer_a.pk},
        content_type="application/json",
    )
    assert r.status_code == 403


def test_detail_has_timeline_and_allowed_actions(raise_finding, client_for, officer_a, chief_a):
    a = raise_finding(officer_a)
    data = client_for(chief_a).get(f"/api/v1/findings/{a.pk}").json()
    assert data["timeline"][0]["action"] == "raise"
    assert "triage" in data["allowed_actions"]


@pytest.mark.parametrize("path", ["/api/v1/findings/", "/api/v1/findings/kinds"])
def test_anonymous_is_401(catalog, client, path):
    assert client.get(path).status_code == 401
