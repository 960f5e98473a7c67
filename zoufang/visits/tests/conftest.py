from __future__ import annotations

from types import SimpleNamespace

import pytest

from zoufang.registry.models import Household
from zoufang.registry.tests import factories as reg
from zoufang.visits.services import catalog_caches_clear, tasks_generate


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_catalog_caches():
    """Submissions keep the campaign's forms and catalog a minute per process; each test has
    its own campaign (and SQLite may reuse its id), so each starts with empty caches."""
    catalog_caches_clear()
    yield
    catalog_caches_clear()


@pytest.fixture
def catalog(db):
    """The findings catalog (kinds and routing tables) visits raise findings into."""
    from zoufang.campaigns.services import departments_sync
    from zoufang.findings.catalog import catalog_sync

    departments_sync()
    catalog_sync()


@pytest.fixture
def places(tree, people):
    """Beat A: two buildings of dwellings (one vacant), a shop and an enterprise; beat B: one
    dwelling."""
    d = [
        reg.dwelling(tree.beat_a, road="文峰路", number="12", room=f"{r}")
        for r in ("101", "102", "201")
    ] + [reg.dwelling(tree.beat_a, road="文峰路", number="14", room=f"{r}") for r in ("101", "102")]
    vacant = reg.dwelling(tree.beat_a, road="文峰路", number="16")
    Household.objects.filter(place=vacant).update(use=Household.Use.VACANT)
    shop = reg.shop(tree.beat_a, name="老街烟酒店")
    enterprise = reg.enterprise(tree.beat_a, name="许昌第一中学")
    b = reg.dwelling(tree.beat_b, road="丁庄大街", number="3")
    return SimpleNamespace(
        dwellings=d, vacant=vacant, shop=shop.place, enterprise=enterprise.place, beat_b=b
    )


@pytest.fixture
def tasks(campaign, tree, places, officer_a):
    """Tasks generated for beats A and B, returned as {place_id or "community": task}."""
    from zoufang.visits.models import VisitTask

    tasks_generate(campaign=campaign, beat=tree.beat_a, actor=officer_a)
    tasks_generate(campaign=campaign, beat=tree.beat_b, actor=None)
    out = {}
    for t in VisitTask.objects.select_related("team", "place", "beat", "campaign"):
        out[t.place_id or f"community-{t.beat.code}"] = t
    return out


@pytest.fixture
def household_task(tasks, places):
    return tasks[places.dwellings[0].pk]


@pytest.fixture(
    params=[
        pytest.param("sql", marks=pytest.mark.postgres, id="pg-sql"),
        pytest.param("orm", id="orm"),
    ]
)
def submit_path(request, settings):
    """Each submission path in turn: pgsubmit's hand-written statements (PostgreSQL only; the
    run counts it as skipped on SQLite) and the ORM's, forced on PostgreSQL with
    VISITS_PG_FAST_PATH = False (on SQLite it is the only path)."""
    settings.VISITS_PG_FAST_PATH = request.param == "sql"
    return request.param
