from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.cache import cache

from zoufang.outreach import guard


@pytest.fixture(autouse=True)
def _fresh_limits(settings):
    """Each test starts with empty rate-limit counters and a cheap challenge."""
    settings.OUTREACH_POW_BITS = 6
    cache.clear()
    yield
    cache.clear()


def solved() -> dict[str, str]:
    """A challenge and its answer, as the page's script sends them."""
    c = guard.challenge_new()
    return {"challenge": c["challenge"], "answer": guard.challenge_solve(c["challenge"], c["bits"])}


@pytest.fixture
def send():
    """send(client, url, data, **extra) -> response: a POST with a solved challenge."""

    def post(client, url, data, **extra):
        return client.post(url, {**data, **solved()}, **extra)

    return post


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def visited(campaign, tree, people, officer_a):
    """Three household visits in beat A recorded through the visit service: two residents
    satisfied, one not; each handed out leaflets; a shop visit handed out one more."""
    from zoufang.registry.tests import factories as reg
    from zoufang.visits.models import VisitTask
    from zoufang.visits.services import catalog_caches_clear, tasks_generate
    from zoufang.visits.tests.factories import record

    catalog_caches_clear()
    homes = [reg.dwelling(tree.beat_a, road="文峰路", number="20", room=r) for r in ("1", "2", "3")]
    shop = reg.shop(tree.beat_a, name="老街烟酒店")
    tasks_generate(campaign=campaign, beat=tree.beat_a, actor=officer_a)
    leaflet = campaign.catalog.get(kind="leaflet", code="crime-prevention")
    visits = []
    for home, answer in zip(homes, ("满意", "基本满意", "不满意"), strict=True):
        task = VisitTask.objects.get(place=home)
        visits.append(
            record(
                task,
                officer_a,
                answers={"householder_name": "王建国", "satisfaction": answer},
                leaflets={leaflet.code: 2},
            )
        )
    shop_task = VisitTask.objects.get(place=shop.place)
    record(shop_task, officer_a, leaflets={leaflet.code: 1})
    catalog_caches_clear()
    return SimpleNamespace(homes=homes, visits=visits, leaflet=leaflet, shop=shop.place)
