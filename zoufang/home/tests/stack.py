"""Fixtures that start parts of the production layout (bench/localstack.py) around the test
database: a streaming replica, and the whole layout. Each is stopped when its module ends,
whatever happened; a run killed half-way leaves a replica that the next start removes."""

from __future__ import annotations

import os

import pytest
from django.db import connections

from bench.localstack import Stack, missing_tools

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"


def skip_unless_layout_possible() -> None:
    if connections["default"].vendor != "postgresql":
        pytest.skip("needs PostgreSQL (runs on the PostgreSQL pass of CI)")
    missing = missing_tools()
    if missing:
        pytest.skip(f"the layout needs Debian's {', '.join(missing)} (.ci/run installs them)")


def new_stack(env: dict[str, str] | None = None) -> Stack:
    settings_dict = connections["default"].settings_dict
    return Stack(
        db=settings_dict["NAME"],
        redis_url=REDIS_URL,
        env=env or {},
        primary_port=int(settings_dict.get("PORT") or 5432),
    )


def attach_replica(port: int) -> None:
    """Give this test process the "replica" alias settings would give it with
    DATABASE_REPLICA_URL set."""
    from zoufang.core import replica

    replica._down_until = 0.0  # an earlier test's unreachable replica is forgotten
    connections.settings["replica"] = {
        **connections["default"].settings_dict,
        "PORT": str(port),
        "OPTIONS": {"connect_timeout": 2},
        "TEST": {**connections["default"].settings_dict["TEST"], "MIRROR": "default"},
    }


def point_replica_at(port: int) -> None:
    """Move the "replica" alias to another port (a closed one: the replica is down)."""
    from zoufang.core import replica

    replica._down_until = 0.0
    connections["replica"].close()
    connections["replica"].settings_dict["PORT"] = str(port)


def detach_replica() -> None:
    if "replica" in connections.settings:
        connections["replica"].close()
        del connections["replica"]
        del connections.settings["replica"]


@pytest.fixture(scope="module")
def replica_stack(django_db_setup, django_db_blocker):
    """A hot standby of the test database's cluster, on its own port, for this module, known
    to this process as the "replica" alias (mark the tests
    `django_db(transaction=True, databases=["default", "replica"])`)."""
    skip_unless_layout_possible()
    stack = new_stack()
    try:
        stack.start_replica()
        attach_replica(stack.ports["replica"])
        yield stack
    finally:
        detach_replica()
        stack.stop()
