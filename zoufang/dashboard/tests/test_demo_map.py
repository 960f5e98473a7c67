"""The demo's map: a shape for every unit, siblings that never overlap, children inside their
parent, and every address, visit and finding placed inside its beat."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from shapely.geometry import Point, shape

from zoufang.dashboard import demo
from zoufang.dashboard.models import UnitShape
from zoufang.findings.models import Finding
from zoufang.findings.services.create import finding_create
from zoufang.org.models import Unit
from zoufang.registry.models import Place
from zoufang.visits.models import Visit
from zoufang.visits.tests.factories import record


@pytest.fixture
def built(tasks, places, officer_a, office, catalog, tree):
    record(tasks[places.dwellings[0].pk], officer_a)
    finding_create(actor=office, kind_code="hazard-fire", beat=tree.beat_b, description="隐患")
    demo.build(SimpleNamespace(say=lambda text: None))
    return {s.unit_id: shape(s.geometry) for s in UnitShape.objects.all()}


def test_every_unit_gets_a_valid_shape(built):
    assert set(built) == set(Unit.objects.values_list("pk", flat=True))
    assert all(g.is_valid and g.area > 0 for g in built.values())


def test_siblings_do_not_overlap_and_children_lie_in_their_parent(built):
    units = list(Unit.objects.all())
    for u in units:
        kids = [k for k in units if k.parent_id == u.pk]
        for k in kids:
            # Stored shapes are simplified to ~5 m: allow a sliver of that size.
            assert built[k.pk].difference(built[u.pk]).area < 1e-3 * built[k.pk].area
        for i, a in enumerate(kids):
            for b in kids[i + 1 :]:
                shared = built[a.pk].intersection(built[b.pk]).area
                assert shared < 1e-3 * min(built[a.pk].area, built[b.pk].area)


def test_addresses_visits_and_findings_are_placed_in_their_beat(built):
    for p in Place.objects.all():
        assert p.latitude is not None
        assert built[p.beat_id].buffer(1e-4).contains(Point(float(p.longitude), float(p.latitude)))
    for v in Visit.objects.select_related("place"):
        assert abs(float(v.latitude) - float(v.place.latitude)) <= demo.GPS_JITTER + 1e-6
    for f in Finding.objects.all():
        assert built[f.beat_id].buffer(1e-4).contains(Point(float(f.longitude), float(f.latitude)))


def test_running_it_again_changes_nothing(built):
    before = list(Place.objects.order_by("pk").values_list("latitude", "longitude"))
    demo.build(SimpleNamespace(say=lambda text: None))
    assert UnitShape.objects.count() == len(built)
    assert list(Place.objects.order_by("pk").values_list("latitude", "longitude")) == before
