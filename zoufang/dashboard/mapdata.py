"""What the dashboard's map shows for a unit: its child units' shapes shaded by a figure (from
the rollups), and points — open findings, today's visits and, on a beat, its unvisited
addresses — each read through the user's scope and the unit's subtree, so that no point
outside them is ever sent. Many points in view come as clusters (a grid counted in SQL);
a few come one by one with a label."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Avg, Count, F, FloatField, Max, Min, QuerySet
from django.db.models.functions import Cast, Floor
from django.utils import timezone
from django.utils.translation import gettext as _

from zoufang.dashboard.models import UnitShape
from zoufang.findings import figures as ffig
from zoufang.findings.models import OPEN_STATES, Finding, FindingKind
from zoufang.org.models import Unit
from zoufang.visits import figures as vfig
from zoufang.visits.models import TaskState, Visit, VisitKind, VisitTask

if TYPE_CHECKING:
    from zoufang.campaigns.models import Campaign
    from zoufang.org.models import User

POINT_LIMIT = 300  # up to this many points in view are sent one by one
GRID = 20  # else the view is cut into GRID × GRID cells, one cluster per non-empty cell
SHADES = ("coverage", "hazard")
HAZARD_CODE = "hazard"


@dataclass(frozen=True)
class Box:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    @classmethod
    def parse(cls, text: str | None) -> Box | None:
        """A `min_lon,min_lat,max_lon,max_lat` box from the request, or None when it is not
        one (the map then frames the unit)."""
        try:
            values = [float(v) for v in (text or "").split(",")]
        except ValueError:
            return None
        if len(values) != 4 or any(v != v for v in values):  # NaN
            return None
        box = cls(*values)
        ok = -180 <= box.min_lon < box.max_lon <= 180 and -90 <= box.min_lat < box.max_lat <= 90
        return box if ok else None

    def as_list(self) -> list[float]:
        return [self.min_lon, self.min_lat, self.max_lon, self.max_lat]


def _hazard_kinds() -> set[int]:
    return set(FindingKind.objects.filter(code=HAZARD_CODE).values_list("pk", flat=True)) | set(
        FindingKind.objects.filter(parent__code=HAZARD_CODE).values_list("pk", flat=True)
    )


def child_values(unit: Unit, campaign: Campaign, shade: str) -> list[dict[str, Any]]:
    """Each child unit with the figure it is shaded by: coverage %, or hazards found per
    1,000 addresses (tasks) — both from the rollups."""
    children = list(Unit.objects.filter(parent=unit).order_by("sort_order", "code"))
    tasks = vfig.task_counts(unit.path, campaign.pk, by_child=True)
    findings = ffig.finding_counts(unit.path, campaign.pk, by_child=True) if shade else {}
    hazard = _hazard_kinds() if shade == "hazard" else set()
    rows = []
    for c in children:
        t = tasks.get(c.path) or vfig.TaskCounts()
        if shade == "hazard":
            f = findings.get(c.path) or ffig.FindingCounts()
            n = sum(v for k, v in f.by_kind.items() if k in hazard)
            value = round(1000 * n / t.total(), 1) if t.total() else 0.0
            text = _("%(n)s hazards, %(v)s per 1,000 addresses") % {"n": n, "v": value}
        else:
            value = t.rate()
            text = _("%(v)s%% of %(n)s addresses visited") % {"v": value, "n": t.total()}
        rows.append({"id": c.pk, "code": c.code, "name": c.name, "value": value, "text": text})
    return rows


def _feature(shape: UnitShape, unit: Unit) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"code": unit.code, "name": unit.name, "id": unit.pk},
        "geometry": shape.geometry,
    }


def _points(
    qs: QuerySet, lat: str, lon: str, box: Box | None, label: Any
) -> dict[str, list[list[Any]]]:
    """The points of `qs` in `box`: one by one (with a label) when few, else clustered."""
    qs = qs.filter(**{f"{lat}__isnull": False, f"{lon}__isnull": False})
    if box is not None:
        qs = qs.filter(
            **{
                f"{lon}__gte": box.min_lon,
                f"{lon}__lte": box.max_lon,
                f"{lat}__gte": box.min_lat,
                f"{lat}__lte": box.max_lat,
            }
        )
    few = list(qs.values(lat, lon, *label.fields)[: POINT_LIMIT + 1])
    if len(few) <= POINT_LIMIT:
        return {
            "points": [[float(r[lon]), float(r[lat]), label(r)] for r in few],
            "clusters": [],
        }
    if box is None:
        ext = qs.aggregate(a=Min(lon), b=Min(lat), c=Max(lon), d=Max(lat))
        box = Box(float(ext["a"]), float(ext["b"]), float(ext["c"]) + 1e-6, float(ext["d"]) + 1e-6)
    cell = max(box.max_lon - box.min_lon, box.max_lat - box.min_lat) / GRID or 1e-4
    flon, flat = Cast(F(lon), FloatField()), Cast(F(lat), FloatField())
    rows = (
        qs.annotate(gx=Floor((flon - box.min_lon) / cell), gy=Floor((flat - box.min_lat) / cell))
        .values("gx", "gy")
        .annotate(n=Count("pk"), x=Avg(flon), y=Avg(flat))
        .order_by()
    )
    return {
        "points": [],
        "clusters": [[round(r["x"], 6), round(r["y"], 6), r["n"]] for r in rows],
    }


class _Label:
    """The fields a point's label needs, and how it reads (no personal data: a finding's
    number and kind, a visit's time and kind, an address)."""

    def __init__(self, fields: tuple[str, ...], fmt: Any) -> None:
        self.fields, self.fmt = fields, fmt

    def __call__(self, row: dict[str, Any]) -> str:
        return self.fmt(row)


def _day_range(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def layers(
    user: User, unit: Unit, campaign: Campaign, box: Box | None, *, today: dt.date | None = None
) -> dict[str, dict[str, list]]:
    """The point layers of `unit`'s subtree as `user` may see them."""
    today = today or timezone.localdate()
    findings = (
        Finding.objects.visible_to(user)
        .readable_by(user)
        .in_subtree(unit.path)
        .filter(campaign=campaign, state__in=OPEN_STATES)
    )
    start, end = _day_range(today)
    visits = (
        Visit.objects.visible_to(user)
        .in_subtree(unit.path)
        .filter(campaign=campaign, started_at__gte=start, started_at__lt=end)
    )
    out = {
        "findings": _points(
            findings,
            "latitude",
            "longitude",
            box,
            _Label(("number", "kind__name"), lambda r: f"{r['number']} {r['kind__name']}"),
        ),
        "visits": _points(
            visits,
            "latitude",
            "longitude",
            box,
            _Label(
                ("started_at", "kind"),
                lambda r: (
                    timezone.localtime(r["started_at"]).strftime("%H:%M")
                    + " "
                    + str(
                        VisitKind(r["kind"]).label if r["kind"] in VisitKind.values else r["kind"]
                    )
                ),
            ),
        ),
    }
    if unit.level == Unit.Level.BEAT:
        unvisited = (
            VisitTask.objects.visible_to(user)
            .filter(beat=unit, campaign=campaign)
            .exclude(state=TaskState.VISITED)
            .exclude(place=None)
        )
        out["unvisited"] = _points(
            unvisited,
            "place__latitude",
            "place__longitude",
            box,
            _Label(("address",), lambda r: r["address"]),
        )
    return out


def map_data(
    user: User, unit: Unit, campaign: Campaign, *, shade: str, box: Box | None
) -> dict[str, Any]:
    """The map of `unit` (already checked to be in `user`'s scope)."""
    shade = shade if shade in SHADES else "coverage"
    values = child_values(unit, campaign, shade)
    ids = [v["id"] for v in values]
    shapes = {
        s.unit_id: s for s in UnitShape.objects.visible_to(user).filter(unit_id__in=[unit.pk, *ids])
    }
    children = {c.pk: c for c in Unit.objects.filter(pk__in=ids)}
    features = [_feature(shapes[i], children[i]) for i in ids if i in shapes]
    own = shapes.get(unit.pk)
    frame = None
    if own is not None:
        frame = [own.min_lon, own.min_lat, own.max_lon, own.max_lat]
    elif features:
        boxes = [shapes[i] for i in ids if i in shapes]
        frame = [
            min(s.min_lon for s in boxes),
            min(s.min_lat for s in boxes),
            max(s.max_lon for s in boxes),
            max(s.max_lat for s in boxes),
        ]
    return {
        "unit": {"id": unit.pk, "code": unit.code, "name": unit.name, "level": unit.level},
        "shade": shade,
        "shade_label": _("Coverage %") if shade == "coverage" else _("Hazards per 1,000 addresses"),
        "values": values,
        "shapes": {"type": "FeatureCollection", "features": features},
        "outline": _feature(own, unit) if own is not None else None,
        "frame": frame,
        "layers": layers(user, unit, campaign, box),
        "box": box.as_list() if box else None,
    }
