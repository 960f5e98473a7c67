from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from zoufang.patrol.models import Flag
from zoufang.patrol.services.run import patrol_run
from zoufang.visits.tests.conftest import (  # noqa: F401 - fixtures
    _fresh_catalog_caches,
    _media,
    catalog,
    places,
    tasks,
)
from zoufang.visits.tests.factories import record


@pytest.fixture
def short_visits(campaign, tree, places, tasks, officer_a, officer_b, catalog):  # noqa: F811
    """A two-minute household visit in beat A (county X) and one in beat B (county Y), and an
    honest twenty-minute one in beat A; the patrol has run once."""
    end = timezone.now() - dt.timedelta(hours=2)
    a = record(tasks[places.dwellings[0].pk], officer_a, started_at=end - dt.timedelta(minutes=2), ended_at=end)  # fmt: skip
    honest = record(tasks[places.dwellings[1].pk], officer_a, started_at=end - dt.timedelta(minutes=20), ended_at=end + dt.timedelta(minutes=1))  # fmt: skip
    b = record(tasks[places.beat_b.pk], officer_b, started_at=end - dt.timedelta(minutes=2), ended_at=end)  # fmt: skip
    patrol_run(campaign=campaign)
    flags = Flag.objects.filter(rule__kind="min_duration")
    return SimpleNamespace(
        a=a,
        b=b,
        honest=honest,
        flag_a=flags.get(visit_id=a.pk),
        flag_b=flags.get(visit_id=b.pk),
    )
