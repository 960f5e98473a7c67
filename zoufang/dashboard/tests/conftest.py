from __future__ import annotations

import pytest

from zoufang.findings.services.create import finding_create
from zoufang.registry.models import Place
from zoufang.visits.tests.conftest import (  # noqa: F401 - fixtures
    _fresh_catalog_caches,
    _media,
    catalog,
    places,
    tasks,
)
from zoufang.visits.tests.factories import record


@pytest.fixture
def positioned(request, officer_a, officer_b, office, tree):
    """Places with positions (beat A west, beat B east); today's visits at them; open
    findings in beats A and B."""
    request.getfixturevalue("catalog")
    made = request.getfixturevalue("tasks")
    spots = request.getfixturevalue("places")
    for i, p in enumerate(Place.objects.filter(beat=tree.beat_a).order_by("pk")):
        Place.objects.filter(pk=p.pk).update(latitude=34.01 + i * 0.001, longitude=113.81)
    Place.objects.filter(beat=tree.beat_b).update(latitude=34.05, longitude=113.95)
    a = record(made[spots.dwellings[0].pk], officer_a, latitude="34.010", longitude="113.810")
    b = record(made[spots.beat_b.pk], officer_b, latitude="34.050", longitude="113.950")
    fa = finding_create(
        actor=office, kind_code="hazard-fire", beat=tree.beat_a, description="楼道堆放杂物",
        latitude="34.012", longitude="113.812",
    ).finding  # fmt: skip
    fb = finding_create(
        actor=office, kind_code="hazard-fire", beat=tree.beat_b, description="电动车室内充电",
        latitude="34.052", longitude="113.952",
    ).finding  # fmt: skip
    return {"visit_a": a, "visit_b": b, "finding_a": fa, "finding_b": fb}
