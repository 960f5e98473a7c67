from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from django.utils import timezone

from zoufang.registry.tests import factories as reg
from zoufang.visits.models import TaskState, Visit, VisitTask
from zoufang.visits.services import catalog_caches_clear, tasks_generate


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_catalog_caches():
    catalog_caches_clear()
    yield
    catalog_caches_clear()


@pytest.fixture
def catalog(db):
    from zoufang.campaigns.services import departments_sync
    from zoufang.findings.catalog import catalog_sync

    departments_sync()
    catalog_sync()


@pytest.fixture
def tasks(campaign, tree, people, officer_a):
    """Four dwellings in beat A, two in beat B, and their tasks (plus each beat's community
    visit task)."""
    for n in range(4):
        reg.dwelling(tree.beat_a, road="文峰路", number=str(10 + n))
    for n in range(2):
        reg.dwelling(tree.beat_b, road="丁庄大街", number=str(n + 1))
    tasks_generate(campaign=campaign, beat=tree.beat_a, actor=officer_a)
    tasks_generate(campaign=campaign, beat=tree.beat_b, actor=None)
    qs = VisitTask.objects.select_related("team", "beat").order_by("pk")
    return SimpleNamespace(
        a=[t for t in qs if t.beat_id == tree.beat_a.pk and t.place_id],
        b=[t for t in qs if t.beat_id == tree.beat_b.pk and t.place_id],
    )


def make_visit(
    task: VisitTask, *, outcome: str = "visited", when: dt.datetime | None = None
) -> Visit:
    """A visit row (the supervision tests need many visits fast; the visit services are tested
    in visits/). It also marks the task visited, as the submission would."""
    end = when or timezone.now() - dt.timedelta(hours=1)
    visit = Visit.objects.create(
        task=task,
        campaign=task.campaign,
        beat=task.beat,
        unit_path=task.unit_path,
        kind=task.kind,
        place=task.place,
        team=task.team,
        outcome=outcome,
        method="normal",
        started_at=end - dt.timedelta(minutes=20),
        ended_at=end,
        client_uuid=uuid.uuid4(),
        payload_hash="x",
    )
    if outcome == "visited":
        VisitTask.objects.filter(pk=task.pk).update(state=TaskState.VISITED)
    return visit
