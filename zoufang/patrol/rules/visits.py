"""Rules that look at one visit at a time: too short, too far, in the small hours."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator

from django.db.models import DurationField, ExpressionWrapper, F
from django.utils.translation import gettext_lazy as _

from zoufang.patrol.models import RuleKind, SubjectKind
from zoufang.patrol.rules.base import Hit, Param, RuleType, Window, local, stamp
from zoufang.visits.models import Method, Outcome, Visit, VisitKind


def new_visits(campaign_id: int, window: Window):  # type: ignore[no-untyped-def]
    """The visits a run examines: found someone in, id in (since, upto]."""
    return Visit.objects.filter(
        campaign_id=campaign_id,
        pk__gt=window.since,
        pk__lte=window.upto,
        outcome=Outcome.VISITED,
    )


class MinDuration(RuleType):
    kind = RuleKind.MIN_DURATION
    summary = _("Visit lasted %(minutes)s min; the %(form)s needs at least %(minimum)s min")
    params = {
        VisitKind.HOUSEHOLD.value: Param(_("Household visit (minutes)"), 5, 1, 240),
        VisitKind.SHOP.value: Param(_("Shop visit (minutes)"), 3, 1, 240),
        VisitKind.ENTERPRISE.value: Param(_("Enterprise visit (minutes)"), 8, 1, 240),
        VisitKind.COMMUNITY.value: Param(_("Village / community visit (minutes)"), 10, 1, 240),
    }

    def run(self, window: Window) -> Iterator[Hit]:
        length = ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField())
        for kind, minimum in self.p.items():
            rows = (
                new_visits(self.campaign.pk, window)
                .filter(kind=kind)
                .annotate(length=length)
                .filter(length__lt=dt.timedelta(minutes=minimum))
                .values_list("pk", "beat_id", "unit_path", "team_id", "started_at", "ended_at")
            )
            for pk, beat_id, path, team_id, start, end in rows.iterator(chunk_size=5000):
                seconds = int((end - start).total_seconds())
                yield Hit(
                    key=f"v:{pk}",
                    subject=SubjectKind.VISIT,
                    unit_id=beat_id,
                    unit_path=path,
                    visit_id=pk,
                    team_id=team_id,
                    args={
                        "minutes": round(seconds / 60, 1),
                        "minimum": minimum,
                        "form": str(VisitKind(kind).label),
                    },
                    evidence={"started": stamp(start), "ended": stamp(end), "seconds": seconds},
                )


EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


class Distance(RuleType):
    kind = RuleKind.DISTANCE
    summary = _("Recorded %(metres)s m from the registered address (limit %(limit)s m)")
    params = {
        "community_m": Param(_("Community beats: largest distance (metres)"), 300, 20, 20000),
        "village_m": Param(_("Village beats: largest distance (metres)"), 1000, 20, 20000),
    }

    def run(self, window: Window) -> Iterator[Hit]:
        rows = (
            new_visits(self.campaign.pk, window)
            .filter(latitude__isnull=False, longitude__isnull=False)
            .filter(place__latitude__isnull=False, place__longitude__isnull=False)
            .values_list(
                "pk",
                "beat_id",
                "unit_path",
                "team_id",
                "latitude",
                "longitude",
                "gps_accuracy",
                "place__latitude",
                "place__longitude",
                "beat__beat_kind",
            )
        )
        for pk, beat_id, path, team, lat, lon, acc, plat, plon, beat_kind in rows.iterator(
            chunk_size=5000
        ):
            limit = self.p["village_m" if beat_kind == "village" else "community_m"]
            metres = haversine_m(float(lat), float(lon), float(plat), float(plon))
            # The phone's own accuracy is given the benefit of the doubt.
            if metres - (acc or 0) <= limit:
                continue
            yield Hit(
                key=f"v:{pk}",
                subject=SubjectKind.VISIT,
                unit_id=beat_id,
                unit_path=path,
                visit_id=pk,
                team_id=team,
                args={"metres": round(metres), "limit": limit},
                evidence={
                    "visit_position": [float(lat), float(lon)],
                    "place_position": [float(plat), float(plon)],
                    "accuracy_m": acc,
                    "beat_kind": beat_kind,
                },
            )


class Night(RuleType):
    kind = RuleKind.NIGHT
    summary = _("Visit at %(time)s, with no appointment and not on staggered hours")
    params = {
        "from_hour": Param(_("Small hours from (hour)"), 0, 0, 23),
        "to_hour": Param(_("Small hours until (hour)"), 6, 1, 24),
    }

    def run(self, window: Window) -> Iterator[Hit]:
        start, end = self.p["from_hour"], self.p["to_hour"]
        rows = (
            new_visits(self.campaign.pk, window)
            .filter(started_at__hour__gte=start, started_at__hour__lt=end, method=Method.NORMAL)
            .values_list(
                "pk",
                "beat_id",
                "unit_path",
                "team_id",
                "started_at",
                "task__appointment_date",
                "task__appointment_start",
                "task__appointment_end",
                "task__method",
            )
        )
        for pk, beat_id, path, team, at, a_date, a_start, a_end, task_method in rows.iterator(
            chunk_size=5000
        ):
            moment = local(at)
            if task_method != Method.NORMAL or _within(moment, a_date, a_start, a_end):
                continue
            yield Hit(
                key=f"v:{pk}",
                subject=SubjectKind.VISIT,
                unit_id=beat_id,
                unit_path=path,
                visit_id=pk,
                team_id=team,
                args={"time": stamp(at)},
                evidence={"appointment": str(a_date or "")},
            )


def _within(
    moment: dt.datetime, day: dt.date | None, start: dt.time | None, end: dt.time | None
) -> bool:
    """Was the visit made on the task's appointment (its day, within an hour of its window)?"""
    if day is None or day != moment.date():
        return False
    if start is None:
        return True
    slack = dt.timedelta(hours=1)
    begin = dt.datetime.combine(day, start, moment.tzinfo) - slack
    finish = dt.datetime.combine(day, end or start, moment.tzinfo) + slack
    return begin <= moment <= finish
