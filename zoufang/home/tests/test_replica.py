"""The read replica (decision 0043): a streaming standby of the test database, its replay
paused so it lags; the views marked @replica_reads read from it, except for the user who
just wrote, who reads the primary until the replica has replayed their write."""

from __future__ import annotations

import pytest
from django.test import Client

from zoufang.findings.models import Finding
from zoufang.home.tests.stack import point_replica_at, replica_stack  # noqa: F401

pytestmark = [
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
    pytest.mark.postgres,
    pytest.mark.multiprocess,
]


@pytest.fixture
def replica(replica_stack, transactional_db):  # noqa: F811
    point_replica_at(replica_stack.ports["replica"])
    replica_stack.replica_catch_up()
    yield replica_stack
    replica_stack.psql(replica_stack.ports["replica"], "SELECT pg_wal_replay_resume()")


@pytest.fixture
def findings_catalog(transactional_db):
    from zoufang.campaigns.services import departments_sync
    from zoufang.findings.catalog import catalog_sync

    departments_sync()
    catalog_sync()


def _login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _raise(client: Client, beat, description: str):
    body = {"kind": "dispute-neighbour", "description": description, "beat_id": beat.pk}
    r = client.post("/api/v1/findings/", body, content_type="application/json")
    assert r.status_code == 201, r.content
    return r.json()["finding"]["id"]


def _ledger(client: Client) -> str:
    r = client.get("/findings/")
    assert r.status_code == 200
    return r.content.decode()


def test_a_lagging_replica_never_hides_a_users_own_write(
    replica, findings_catalog, officer_a, chief_a, tree
):
    officer, chief = _login(officer_a), _login(chief_a)
    replica.replica_catch_up()
    paused = replica.ports["replica"]
    replica.psql(paused, "SELECT pg_wal_replay_pause()")

    finding_id = _raise(officer, tree.beat_a, "二单元楼道堆放杂物堵塞消防通道")
    assert Finding.objects.filter(pk=finding_id).exists()  # on the primary

    # The writer reads their own write on the replica-marked ledger: the primary answers.
    assert "二单元楼道堆放杂物堵塞消防通道" in _ledger(officer)
    # The station chief (who sees beat A) reads the lagging replica: not there yet.
    assert "二单元楼道堆放杂物堵塞消防通道" not in _ledger(chief)

    replica.psql(paused, "SELECT pg_wal_replay_resume()")
    replica.replica_catch_up()
    assert "二单元楼道堆放杂物堵塞消防通道" in _ledger(chief)
    assert "二单元楼道堆放杂物堵塞消防通道" in _ledger(officer)


def test_unmarked_pages_and_writes_use_the_primary(
    replica, findings_catalog, officer_a, chief_a, tree
):
    officer, chief = _login(officer_a), _login(chief_a)
    replica.replica_catch_up()
    replica.psql(replica.ports["replica"], "SELECT pg_wal_replay_pause()")
    finding_id = _raise(officer, tree.beat_a, "商铺门前电动车违规充电")
    # A finding's own page is not replica-marked: the chief reads it from the primary.
    r = chief.get(f"/findings/{finding_id}/")
    assert r.status_code == 200
    assert "商铺门前电动车违规充电" in r.content.decode()


def test_a_replica_that_cannot_be_reached_leaves_the_primary_answering(
    replica_stack,  # noqa: F811
    transactional_db,
    findings_catalog,
    officer_a,
    chief_a,
    tree,
):
    from bench.localstack import free_port

    point_replica_at(free_port())  # nothing listens there
    try:
        _raise(_login(officer_a), tree.beat_a, "村口路灯损坏夜间无照明")
        assert "村口路灯损坏夜间无照明" in _ledger(_login(chief_a))
    finally:
        point_replica_at(replica_stack.ports["replica"])
