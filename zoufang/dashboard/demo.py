"""The demo city's map: plausible, non-overlapping boundaries for every unit, and positions
for the addresses, visits and findings inside them.

The city gets a hand-drawn outline around Xuchang; each unit's children share their parent's
shape as Voronoi cells around random centres (relaxed twice towards their cells' centroids,
so that no cell is a sliver), clipped to it — counties in the city, stations in a county,
beats in a station: nested, and siblings never overlap. Each address (registry place) without
a position gets a random point inside its beat's cell; a visit without one is placed a few
metres from its address (as a phone's GPS would record it); a finding at its address, or
anywhere in its beat. Safe to re-run: only missing shapes and positions are filled.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import connection, transaction

from zoufang.dashboard.boundaries import shape_values
from zoufang.dashboard.models import UnitShape
from zoufang.org.models import Unit

SEED = 20261203
# 许昌市, roughly: its six county-level districts span about 113.1–114.3 E, 33.7–34.45 N.
CITY_OUTLINE = [
    (113.10, 34.20), (113.30, 34.40), (113.62, 34.44), (113.88, 34.38), (114.10, 34.42),
    (114.30, 34.25), (114.26, 34.02), (114.12, 33.80), (113.86, 33.70), (113.58, 33.74),
    (113.36, 33.82), (113.18, 33.95), (113.10, 34.20),
]  # fmt: skip
GPS_JITTER = 0.00015  # degrees (about 15 m): a visit's fix lies near its address
BATCH = 20_000


def _polygons(geom: Any) -> Any:
    """The polygonal part of a clipped cell (an intersection may add stray lines)."""
    from shapely import get_parts, union_all
    from shapely.geometry import MultiPolygon, Polygon

    parts = [p for p in get_parts(geom) if isinstance(p, Polygon) and not p.is_empty]
    if len(parts) == 1:
        return parts[0]
    return union_all(parts) if parts else MultiPolygon()


def _sample(region: Any, n: int, rng: Any) -> Any:
    """`n` uniform random points inside `region` (numpy arrays of x and y)."""
    import numpy as np
    from shapely import contains_xy

    minx, miny, maxx, maxy = region.bounds
    xs, ys = np.empty(0), np.empty(0)
    while len(xs) < n:
        k = max(16, 2 * (n - len(xs)))
        x, y = rng.uniform(minx, maxx, k), rng.uniform(miny, maxy, k)
        inside = contains_xy(region, x, y)
        xs, ys = np.concatenate([xs, x[inside]]), np.concatenate([ys, y[inside]])
    return xs[:n], ys[:n]


def cells(region: Any, n: int, rng: Any) -> list[Any]:
    """`region` cut into `n` Voronoi cells, in a stable order."""
    from shapely import voronoi_polygons
    from shapely.geometry import MultiPoint

    if n <= 1:
        return [region] * n
    xs, ys = _sample(region, n, rng)
    points = list(zip(xs, ys, strict=True))
    result: list[Any] = []
    for _round in range(3):
        vor = voronoi_polygons(MultiPoint(points), extend_to=region, ordered=True)
        result = [_polygons(c.intersection(region)) for c in vor.geoms]
        points = [
            (c.centroid.x, c.centroid.y) if not c.is_empty else p
            for c, p in zip(result, points, strict=True)
        ]
    return result


def build_shapes(rng: Any) -> int:
    """A shape for every unit that has none (and whose parent has one, or is the city)."""
    from shapely.geometry import Polygon, shape

    units = list(Unit.objects.order_by("path"))
    children: dict[int | None, list[Unit]] = defaultdict(list)
    for u in units:
        children[u.parent_id].append(u)
    have = {s.unit_id: shape(s.geometry) for s in UnitShape.objects.all()}
    new: list[UnitShape] = []

    def walk(unit: Unit, geom: Any) -> None:
        kids = sorted(children.get(unit.pk, []), key=lambda u: (u.sort_order, u.code))
        missing = [k for k in kids if k.pk not in have]
        if missing:
            # Cut what the siblings that have shapes leave free.
            free = geom
            for k in kids:
                if k.pk in have:
                    free = free.difference(have[k.pk])
            for k, cell in zip(missing, cells(_polygons(free), len(missing), rng), strict=True):
                if cell.is_empty:
                    continue
                have[k.pk] = cell
                new.append(UnitShape(unit=k, **shape_values(k, cell, "demo")))
        for k in kids:
            if k.pk in have:
                walk(k, have[k.pk])

    for city in children.get(None, []):
        if city.pk not in have:
            have[city.pk] = Polygon(CITY_OUTLINE)
            new.append(UnitShape(unit=city, **shape_values(city, have[city.pk], "demo")))
        walk(city, have[city.pk])
    UnitShape.objects.bulk_create(new, batch_size=500)
    return len(new)


def _write(table: str, rows: list[tuple[int, float, float]]) -> None:
    """Set (latitude, longitude) of the given ids: one statement per batch."""
    q = connection.ops.quote_name
    with connection.cursor() as cur:
        for i in range(0, len(rows), BATCH):
            chunk = rows[i : i + BATCH]
            if connection.vendor == "postgresql":
                cur.execute(
                    f"UPDATE {q(table)} AS t SET latitude = v.lat, longitude = v.lon "  # noqa: S608 - table from _meta # nosec B608
                    "FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[]) AS v(id, lat, lon) "
                    "WHERE t.id = v.id",
                    [[r[0] for r in chunk], [r[1] for r in chunk], [r[2] for r in chunk]],
                )
            else:
                cur.executemany(
                    f"UPDATE {q(table)} SET latitude = %s, longitude = %s WHERE id = %s",  # noqa: S608 # nosec B608
                    [(r[1], r[2], r[0]) for r in chunk],
                )


def place_addresses(rng: Any) -> int:
    """A point in its beat's cell for every address (registry place) without one."""
    from shapely.geometry import shape

    from zoufang.registry.models import Place

    shapes = {s.unit_id: shape(s.geometry) for s in UnitShape.objects.filter(level=Unit.Level.BEAT)}
    by_beat: dict[int, list[int]] = defaultdict(list)
    for pk, beat in Place.objects.filter(latitude=None).values_list("pk", "beat_id").iterator():
        if beat in shapes:
            by_beat[beat].append(pk)
    rows: list[tuple[int, float, float]] = []
    for beat in sorted(by_beat):
        ids = by_beat[beat]
        xs, ys = _sample(shapes[beat], len(ids), rng)
        rows += [
            (pk, round(float(y), 6), round(float(x), 6))
            for pk, x, y in zip(ids, xs, ys, strict=True)
        ]
    _write(Place._meta.db_table, rows)
    return len(rows)


def place_visits_and_findings(rng: Any) -> tuple[int, int]:
    """Visits a few metres from their address; findings at their address or in their beat."""
    from shapely.geometry import shape

    from zoufang.findings.models import Finding
    from zoufang.visits.models import Visit

    visits = list(
        Visit.objects.filter(latitude=None, place__latitude__isnull=False)
        .values_list("pk", "place__latitude", "place__longitude")
        .iterator()
    )
    rows = [
        (
            pk,
            round(float(lat) + rng.uniform(-GPS_JITTER, GPS_JITTER), 6),
            round(float(lon) + rng.uniform(-GPS_JITTER, GPS_JITTER), 6),
        )
        for pk, lat, lon in visits
    ]
    _write(Visit._meta.db_table, rows)
    shapes = {s.unit_id: shape(s.geometry) for s in UnitShape.objects.filter(level=Unit.Level.BEAT)}
    frows = []
    for pk, beat, lat, lon in Finding.objects.filter(latitude=None).values_list(
        "pk", "beat_id", "place__latitude", "place__longitude"
    ):
        if lat is not None:
            frows.append((pk, float(lat), float(lon)))
        elif beat in shapes:
            xs, ys = _sample(shapes[beat], 1, rng)
            frows.append((pk, round(float(ys[0]), 6), round(float(xs[0]), 6)))
    _write(Finding._meta.db_table, frows)
    return len(rows), len(frows)


@transaction.atomic
def build(ctx: Any) -> None:
    import numpy as np

    rng = np.random.default_rng(SEED)
    shapes = build_shapes(rng)
    places = place_addresses(rng)
    visits, findings = place_visits_and_findings(rng)
    ctx.say(
        f"map: {shapes} unit boundaries, {places} addresses, {visits} visits and "
        f"{findings} findings placed"
    )


LESSONS = (
    "一是坚持“以老带新、警辅结合”组队下沉,社区民警带队逐户见面,做到底数清、情况明。\n"
    "二是矛盾纠纷“逐条梳理、分类负责”,会同乡镇街道、司法所联调联处,小事不出村、大事不出镇。\n"
    "三是对安全隐患实行清单化整改,逾期未办结的提级督办,推动责任落实。"
)


def build_summaries(ctx: Any) -> None:
    """Closing summaries (so far) for the city and each county bureau; the city's with the
    office's lessons learned written in."""
    from zoufang.dashboard.summary import summary_generate

    units = Unit.objects.filter(level__in=(Unit.Level.CITY, Unit.Level.COUNTY)).order_by("path")
    made = [summary_generate(actor=None, unit=u, campaign=ctx.campaign) for u in units]
    city = next((s for s in made if s.unit.level == Unit.Level.CITY), None)
    if city is not None and not city.lessons:
        city.lessons = LESSONS
        city.save(update_fields=["lessons"])
    ctx.say(f"closing summaries (so far): {len(made)}")
