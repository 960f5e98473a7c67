"""The dashboard's map: child units shaded by figures equal to direct counts, points only
from the user's scope and the unit's subtree (never outside, whatever box is asked for), a
unit out of scope is 404 (page and data), clusters when many points, points only when no
shapes are loaded, and a beat's unvisited addresses."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from zoufang.dashboard import mapdata
from zoufang.dashboard.boundaries import boundaries_import
from zoufang.dashboard.tests.test_boundaries import fc, feature, square
from zoufang.findings.models import Finding
from zoufang.visits.models import Visit, VisitTask

EVERYWHERE = "-180,-90,180,90"


def _data(client, unit, **params):
    response = client.get("/dashboard/map/data/", {"unit": unit.pk, **params})
    assert response.status_code == 200
    return json.loads(response.content)


def _all_points(data):
    return [p for layer in data["layers"].values() for p in layer["points"]]


def test_the_county_admin_sees_only_their_county_points_even_asking_for_the_world(
    positioned, county_admin, client_for, tree
):
    data = _data(client_for(county_admin), tree.county_x, box=EVERYWHERE)
    findings = data["layers"]["findings"]["points"]
    assert [p[2].split()[0] for p in findings] == [positioned["finding_a"].number]
    visits = data["layers"]["visits"]["points"]
    assert [(p[0], p[1]) for p in visits] == [(113.81, 34.01)]
    assert all(p[0] < 113.9 for p in _all_points(data))  # nothing of beat B's east side


def test_the_leader_sees_both_counties(positioned, leader, client_for, tree):
    data = _data(client_for(leader), tree.city)
    assert len(data["layers"]["findings"]["points"]) == 2
    assert len(data["layers"]["visits"]["points"]) == 2


@pytest.mark.parametrize("path", ["/dashboard/map/", "/dashboard/map/data/"])
def test_a_unit_out_of_scope_is_404(positioned, county_admin, officer_a, client_for, tree, path):
    assert client_for(county_admin).get(path, {"unit": tree.county_y.pk}).status_code == 404
    assert client_for(county_admin).get(path, {"unit": tree.beat_b.pk}).status_code == 404
    assert client_for(county_admin).get(path, {"unit": 987654}).status_code == 404
    # An officer does not steer: no map at all.
    assert client_for(officer_a).get(path, {"unit": tree.beat_a.pk}).status_code == 404


def test_only_todays_visits_are_points(positioned, county_admin, client_for, tree):
    Visit.objects.filter(pk=positioned["visit_a"].pk).update(
        started_at=timezone.now() - timezone.timedelta(days=2),
        ended_at=timezone.now() - timezone.timedelta(days=2),
    )
    data = _data(client_for(county_admin), tree.county_x)
    assert data["layers"]["visits"]["points"] == []


def test_closed_findings_are_not_points(positioned, county_admin, client_for, tree):
    Finding.objects.filter(pk=positioned["finding_a"].pk).update(state="closed")
    assert _data(client_for(county_admin), tree.county_x)["layers"]["findings"]["points"] == []


def test_a_beat_shows_its_unvisited_addresses_to_its_chief(positioned, chief_a, client_for, tree):
    data = _data(client_for(chief_a), tree.beat_a)
    unvisited = data["layers"]["unvisited"]["points"]
    expected = (
        VisitTask.objects.filter(beat=tree.beat_a)
        .exclude(state="visited")
        .exclude(place=None)
        .count()
    )
    assert expected > 0
    assert len(unvisited) == expected
    visited_place = positioned["visit_a"].place
    assert (float(visited_place.longitude), float(visited_place.latitude)) not in {
        (p[0], p[1]) for p in unvisited
    }
    # A station's map has no such layer.
    assert "unvisited" not in _data(client_for(chief_a), tree.s1)["layers"]


def test_many_points_come_as_clusters_that_add_up(
    positioned, leader, client_for, tree, monkeypatch
):
    monkeypatch.setattr(mapdata, "POINT_LIMIT", 2)
    data = _data(client_for(leader), tree.beat_a)
    layer = data["layers"]["unvisited"]
    assert layer["points"] == []
    total = VisitTask.objects.filter(beat=tree.beat_a).exclude(state="visited").exclude(
        place=None
    ).count()  # fmt: skip
    assert sum(c[2] for c in layer["clusters"]) == total
    assert len(layer["clusters"]) > 1  # spread over several cells


def test_a_box_keeps_the_points_inside_it(positioned, leader, client_for, tree):
    data = _data(client_for(leader), tree.city, box="113.9,34.0,114.0,34.1")
    assert [p[0] for p in data["layers"]["findings"]["points"]] == [113.952]


@pytest.mark.parametrize("box", ["1,2,3", "a,b,c,d", "10,10,5,5", "nan,1,2,3", "0,0,0,500"])
def test_a_bad_box_frames_the_whole_unit(positioned, leader, client_for, tree, box):
    data = _data(client_for(leader), tree.city, box=box)
    assert data["box"] is None
    assert len(data["layers"]["findings"]["points"]) == 2


def test_without_shapes_the_map_has_points_only(positioned, leader, client_for, tree):
    data = _data(client_for(leader), tree.city)
    assert data["shapes"]["features"] == []
    assert data["outline"] is None
    assert _all_points(data)


def test_children_are_shaded_by_coverage_and_hazards_from_direct_counts(
    positioned, leader, office, client_for, tree
):
    raw = fc(
        feature("411000", square(113.8, 34.0, 0.2)),
        feature("411002", square(113.8, 34.0)),
        feature("411003", square(113.9, 34.0)),
    )
    assert boundaries_import(raw, user=office, source="t").ok
    coverage = _data(client_for(leader), tree.city, shade="coverage")
    assert {f["properties"]["code"] for f in coverage["shapes"]["features"]} == {"411002", "411003"}
    assert coverage["outline"]["properties"]["code"] == "411000"
    for row in coverage["values"]:
        unit_tasks = VisitTask.objects.filter(unit_path__startswith=_path(tree, row))
        visited = unit_tasks.filter(state="visited").count()
        assert row["value"] == round(100 * visited / unit_tasks.count(), 1)
    hazard = _data(client_for(leader), tree.city, shade="hazard")
    for row in hazard["values"]:
        path = _path(tree, row)
        n = Finding.objects.filter(unit_path__startswith=path, kind__parent__code="hazard").count()
        t = VisitTask.objects.filter(unit_path__startswith=path).count()
        assert n == 1
        assert row["value"] == round(1000 * n / t, 1)


def _path(tree, row):
    return {tree.county_x.code: tree.county_x.path, tree.county_y.code: tree.county_y.path}[
        row["code"]
    ]


def test_the_map_page_lists_the_children_and_links_the_data(positioned, leader, client_for, tree):
    page = client_for(leader).get("/dashboard/map/", {"unit": tree.city.pk, "shade": "hazard"})
    assert page.status_code == 200
    text = page.content.decode()
    assert f'data-unit="{tree.county_x.code}"' in text
    assert f"/dashboard/map/data/?unit={tree.city.pk}&amp;shade=hazard" in text
