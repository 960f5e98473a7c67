"""Unit boundaries for the map: a GeoJSON file checked feature by feature and loaded whole,
or not at all (`manage.py import_boundaries FILE --user NAME`).

Each feature names its unit by code (`properties.code`, or `unit_code` / `adcode`, as the
bureau's GIS exports spell it). A file is refused, with a line naming each feature at fault,
when a feature is not a (Multi)Polygon in longitude/latitude, is invalid (self-crossing, a
ring that does not close…), names a code that matches no unit in the importer's jurisdiction,
names a unit twice, or overlaps a sibling shape (from the file, or already loaded at the same
level). Shapes that only share an edge do not overlap.

Geometry checks are GEOS's, through shapely: validity (`explain_validity`), areas and
intersections are easy to get subtly wrong by hand.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from zoufang.core.scope import user_manages, user_scope
from zoufang.dashboard.models import UnitShape
from zoufang.org.models import Unit

if TYPE_CHECKING:
    from zoufang.org.models import User

MAX_BYTES = 64 * 1024 * 1024  # a city's boundaries are a few MB; refuse anything far larger
MAX_FEATURES = 20_000
MAX_VERTICES = 2_000_000
CODE_KEYS = ("code", "unit_code", "adcode")
# Two siblings overlap when they share more than this share of the smaller one's area:
# digitised neighbours rarely meet exactly, and a sliver along an edge is not an overlap.
OVERLAP_SHARE = 0.005
# Stored geometry is simplified to about 5 m (the dashboard's map needs no more).
SIMPLIFY_DEGREES = 0.00005
KM_PER_DEGREE = 111.195


@dataclass
class Problem:
    feature: int  # 1-based position in the file (0: the file itself)
    code: str
    name: str
    message: str

    def __str__(self) -> str:
        if not self.feature:
            return self.message
        who = _("feature %(n)s") % {"n": self.feature}
        if self.code:
            who += f" ({self.code}{' ' + self.name if self.name else ''})"
        return f"{who}: {self.message}"


@dataclass
class BoundaryResult:
    loaded: list[str] = field(default_factory=list)  # unit codes
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _area_km2(geom: Any) -> float:
    """The area of a lon/lat shape in km², scaled at its centroid's latitude (good to a
    fraction of a percent at a city's size)."""
    lat = geom.centroid.y
    return geom.area * KM_PER_DEGREE**2 * math.cos(math.radians(lat))


def _in_range(geom: Any) -> bool:
    minx, miny, maxx, maxy = geom.bounds
    return -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90


def _read_features(raw: bytes, result: BoundaryResult) -> list[dict[str, Any]]:
    if len(raw) > MAX_BYTES:
        result.problems.append(
            Problem(0, "", "", _("The file is larger than %(n)s MB.") % {"n": MAX_BYTES >> 20})
        )
        return []
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        result.problems.append(
            Problem(0, "", "", _("The file is not GeoJSON (%(e)s).") % {"e": str(exc)[:120]})
        )
        return []
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        doc = {"type": "FeatureCollection", "features": [doc]}
    if not (isinstance(doc, dict) and isinstance(doc.get("features"), list)):
        result.problems.append(
            Problem(0, "", "", _("The file is not a GeoJSON FeatureCollection."))
        )
        return []
    if len(doc["features"]) > MAX_FEATURES:
        result.problems.append(
            Problem(0, "", "", _("The file has more than %(n)s features.") % {"n": MAX_FEATURES})
        )
        return []
    return doc["features"]


def _feature_code(feature: Any) -> tuple[str, str]:
    props = feature.get("properties") if isinstance(feature, dict) else None
    props = props if isinstance(props, dict) else {}
    code = next((str(props[k]).strip() for k in CODE_KEYS if props.get(k) not in (None, "")), "")
    return code[:40], str(props.get("name") or "")[:60]


def _geometry(feature: Any) -> tuple[Any, str]:
    """(shapely geometry, "") or (None, why not)."""
    from shapely import get_num_coordinates
    from shapely.errors import ShapelyError
    from shapely.geometry import shape
    from shapely.validation import explain_validity

    geom = feature.get("geometry") if isinstance(feature, dict) else None
    if not isinstance(geom, dict) or geom.get("type") not in ("Polygon", "MultiPolygon"):
        return None, _("the geometry is not a Polygon or MultiPolygon.")
    try:
        shp = shape(geom)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, ShapelyError) as exc:
        return None, _("the coordinates cannot be read (%(e)s).") % {"e": str(exc)[:80]}
    if shp.is_empty:
        return None, _("the shape is empty.")
    if get_num_coordinates(shp) > MAX_VERTICES:
        return None, _("the shape has too many vertices.")
    if not _in_range(shp):
        return None, _("the coordinates are not longitude and latitude (WGS84).")
    if not shp.is_valid:
        return None, _("the shape is invalid: %(why)s.") % {"why": explain_validity(shp)}
    if shp.area == 0:
        return None, _("the shape is empty.")
    return shp, ""


def boundaries_check(
    raw: bytes, *, user: User
) -> tuple[BoundaryResult, list[tuple[Unit, Any, str]]]:
    """Every problem of the file, and the (unit, geometry, name) it would load."""
    result = BoundaryResult()
    features = _read_features(raw, result)
    scope = user_scope(user)
    parsed: list[tuple[int, str, str, Any]] = []
    for i, feature in enumerate(features, start=1):
        code, name = _feature_code(feature)
        if not code:
            result.problems.append(
                Problem(i, "", name, _("it has no unit code (properties.code)."))
            )
            continue
        geom, why = _geometry(feature)
        if geom is None:
            result.problems.append(Problem(i, code, name, why))
            continue
        parsed.append((i, code, name, geom))
    codes = [c for _i, c, _n, _g in parsed]
    units = {u.code: u for u in Unit.objects.visible_to(user).filter(code__in=codes)}
    seen: dict[str, int] = {}
    matched: list[tuple[int, Unit, str, Any]] = []
    for i, code, name, geom in parsed:
        unit = units.get(code)
        if unit is None or not (scope.contains(unit.path) and user_manages(user, unit.path)):
            # The same words for "no such unit" and "not yours": the file learns nothing.
            result.problems.append(
                Problem(i, code, name, _("the code matches no unit in your jurisdiction."))
            )
            continue
        if code in seen:
            result.problems.append(
                Problem(i, code, name, _("feature %(n)s names the same unit.") % {"n": seen[code]})
            )
            continue
        seen[code] = i
        matched.append((i, unit, name, geom))
    result.problems += _overlaps(matched)
    return result, [(u, g, n) for _i, u, n, g in matched]


def _overlaps(matched: list[tuple[int, Unit, str, Any]]) -> list[Problem]:
    """Siblings (units of one level) whose shapes overlap, in the file or against the shapes
    already loaded that the file does not replace."""
    from shapely import STRtree
    from shapely.geometry import shape

    problems: list[Problem] = []
    levels = {u.level for _i, u, _n, _g in matched}
    replaced = {u.pk for _i, u, _n, _g in matched}
    stored = [
        (0, s.unit, s.unit.name, shape(s.geometry))
        for s in UnitShape.objects.filter(level__in=levels)
        .exclude(unit_id__in=replaced)
        .select_related("unit")
    ]
    for level in sorted(levels):
        items = [m for m in matched if m[1].level == level]
        items += [s for s in stored if s[1].level == level]
        tree = STRtree([g for *_r, g in items])
        for a, b in zip(*tree.query([g for *_r, g in items], predicate="intersects"), strict=True):
            if a >= b:
                continue
            (ia, _ua, _na, ga), (ib, _ub, _nb, gb) = items[a], items[b]
            if not ia and not ib:
                continue  # two stored shapes: not this file's doing
            shared = ga.intersection(gb).area
            if shared <= OVERLAP_SHARE * min(ga.area, gb.area):
                continue
            first, other = (items[a], items[b]) if ia else (items[b], items[a])
            where = (
                _("feature %(n)s (%(code)s)") % {"n": other[0], "code": other[1].code}
                if other[0]
                else _("the boundary already loaded for %(code)s %(name)s")
                % {"code": other[1].code, "name": other[1].name}
            )
            problems.append(
                Problem(
                    first[0],
                    first[1].code,
                    first[2],
                    _("it overlaps %(where)s by %(pct)s%% of the smaller shape.")
                    % {"where": where, "pct": round(100 * shared / min(ga.area, gb.area), 1)},
                )
            )
    return problems


def shape_values(unit: Unit, geom: Any, source: str) -> dict[str, Any]:
    from shapely.geometry import mapping

    simple = geom.simplify(SIMPLIFY_DEGREES, preserve_topology=True)
    minx, miny, maxx, maxy = geom.bounds
    return {
        "unit_path": unit.path,
        "level": unit.level,
        "geometry": _rounded(mapping(simple)),
        "min_lon": minx,
        "min_lat": miny,
        "max_lon": maxx,
        "max_lat": maxy,
        "area_km2": round(_area_km2(geom), 3),
        "source": source[:200],
    }


def _rounded(geo: dict[str, Any]) -> dict[str, Any]:
    """GeoJSON with coordinates to 6 decimals (about 0.1 m) as plain lists."""

    def walk(c: Any) -> Any:
        if isinstance(c, list | tuple) and c and isinstance(c[0], int | float):
            return [round(float(v), 6) for v in c[:2]]
        return [walk(x) for x in c]

    return {"type": geo["type"], "coordinates": walk(geo["coordinates"])}


@transaction.atomic
def boundaries_import(raw: bytes, *, user: User, source: str) -> BoundaryResult:
    """Load every shape of the file, replacing the units' earlier ones — or none of them
    when any feature has a problem (the result lists them all)."""
    result, matched = boundaries_check(raw, user=user)
    if not result.ok:
        return result
    for unit, geom, _name in matched:
        UnitShape.objects.update_or_create(unit=unit, defaults=shape_values(unit, geom, source))
        result.loaded.append(unit.code)
    return result
