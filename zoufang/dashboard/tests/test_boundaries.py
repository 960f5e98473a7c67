"""import_boundaries: a GeoJSON file of unit shapes is loaded whole, or refused with a line
naming each feature at fault (invalid, overlapping, unmatched or out-of-scope codes)."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from zoufang.dashboard.boundaries import boundaries_import
from zoufang.dashboard.models import UnitShape


def square(x: float, y: float, size: float = 0.1) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]],
    }


def feature(code: str, geometry: dict, name: str = "") -> dict:
    return {"type": "Feature", "properties": {"code": code, "name": name}, "geometry": geometry}


def fc(*features: dict) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def test_it_loads_every_shape_of_a_clean_file(tree, office):
    raw = fc(
        feature("411002", square(113.8, 34.0)),
        feature("411003", square(113.9, 34.0)),  # shares an edge: not an overlap
    )
    result = boundaries_import(raw, user=office, source="counties.geojson")
    assert result.ok, [str(p) for p in result.problems]
    shapes = {s.unit.code: s for s in UnitShape.objects.select_related("unit")}
    assert set(shapes) == {"411002", "411003"}
    s = shapes["411002"]
    assert (s.min_lon, s.min_lat) == pytest.approx((113.8, 34.0))
    assert (s.max_lon, s.max_lat) == pytest.approx((113.9, 34.1))
    # 0.1° × 0.1° at 34° N is about 11.1 km × 9.2 km.
    assert 95 < s.area_km2 < 110
    assert s.unit_path == tree.county_x.path


def test_reloading_a_unit_replaces_its_shape(tree, office):
    boundaries_import(fc(feature("411002", square(113.8, 34.0))), user=office, source="a")
    boundaries_import(fc(feature("411002", square(114.0, 34.0))), user=office, source="b")
    shape = UnitShape.objects.get(unit=tree.county_x)
    assert shape.min_lon == pytest.approx(114.0)
    assert shape.source == "b"


def test_a_self_crossing_shape_is_refused_by_name_and_nothing_is_loaded(tree, office):
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[113.8, 34.0], [113.9, 34.1], [113.9, 34.0], [113.8, 34.1], [113.8, 34.0]]
        ],
    }
    raw = fc(feature("411003", square(113.9, 34.0)), feature("411002", bowtie, "魏都分局"))
    result = boundaries_import(raw, user=office, source="x")
    assert not result.ok
    assert not UnitShape.objects.exists()
    [problem] = result.problems
    assert problem.feature == 2
    assert "411002" in str(problem)
    assert "魏都分局" in str(problem)
    assert "Self-intersection" in str(problem)


def test_overlapping_siblings_are_refused(tree, office):
    raw = fc(
        feature("411002", square(113.8, 34.0)),
        feature("411003", square(113.85, 34.0)),  # half of it over 411002
    )
    result = boundaries_import(raw, user=office, source="x")
    assert not result.ok
    assert not UnitShape.objects.exists()
    text = " ".join(str(p) for p in result.problems)
    assert "411002" in text
    assert "411003" in text
    assert "50.0%" in text


def test_a_shape_overlapping_one_already_loaded_is_refused(tree, office):
    boundaries_import(fc(feature("411002", square(113.8, 34.0))), user=office, source="a")
    result = boundaries_import(
        fc(feature("411003", square(113.85, 34.05))), user=office, source="b"
    )
    assert not result.ok
    assert "411002" in str(result.problems[0])
    assert not UnitShape.objects.filter(unit=tree.county_y).exists()


def test_a_child_inside_its_parent_is_not_an_overlap(tree, office):
    raw = fc(
        feature("411002", square(113.8, 34.0)), feature("411002001", square(113.82, 34.02, 0.05))
    )
    assert boundaries_import(raw, user=office, source="x").ok


def test_codes_matching_nothing_and_units_out_of_scope_are_refused_alike(tree, county_admin):
    raw = fc(
        feature("411002001", square(113.8, 34.0)),  # in 魏都: fine
        feature("999999", square(113.5, 34.0)),  # no such unit
        feature("411003", square(113.6, 34.0)),  # 建安: outside this county admin's scope
    )
    result = boundaries_import(raw, user=county_admin, source="x")
    assert [p.feature for p in result.problems] == [2, 3]
    assert result.problems[0].message == result.problems[1].message
    assert not UnitShape.objects.exists()


def test_a_unit_named_twice_is_refused(tree, office):
    raw = fc(feature("411002", square(113.8, 34.0)), feature("411002", square(114.5, 34.0)))
    result = boundaries_import(raw, user=office, source="x")
    assert [p.feature for p in result.problems] == [2]


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"not json at all", "不是 GeoJSON"),
        (b'{"type": "Topology"}', "FeatureCollection"),
        (fc(feature("411002", {"type": "Point", "coordinates": [113.8, 34.0]})), "Polygon"),
        (fc(feature("411002", square(11380, 3400))), "经纬度"),
        (fc(feature("411002", {"type": "Polygon", "coordinates": [[[1, 2]]]})), "无法读取"),
        (
            fc({"type": "Feature", "properties": {}, "geometry": square(113.8, 34.0)}),
            "缺少单位代码",
        ),
    ],
)
def test_files_that_are_not_unit_shapes_get_a_clear_message(tree, office, raw, words):
    result = boundaries_import(raw, user=office, source="x")
    assert not result.ok
    assert words in str(result.problems[0])


def test_the_command_reports_each_problem_and_loads_nothing(tree, office, tmp_path, capsys):
    path = tmp_path / "b.geojson"
    path.write_bytes(
        fc(feature("411002", square(113.8, 34.0)), feature("424242", square(113.2, 34.0)))
    )
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_boundaries", str(path), user=office.username)
    assert "424242" in capsys.readouterr().err
    assert not UnitShape.objects.exists()
    path.write_bytes(fc(feature("411002", square(113.8, 34.0))))
    call_command("import_boundaries", str(path), user=office.username)
    assert UnitShape.objects.filter(unit=tree.county_x).exists()
