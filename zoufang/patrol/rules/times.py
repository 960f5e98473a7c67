"""Rules on when people were where: a team's pace, one person on two visits at once. They read
the patrol's slot index (`VisitSlot`: who, start, end) through window functions ordered by
start time, limited to the people and teams of the new visits and the time they cover."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from django.db.models import DateTimeField, ExpressionWrapper, F, Max, Min, RowRange, Window
from django.db.models.functions import Lag
from django.utils.translation import gettext_lazy as _

from zoufang.org.models import Personnel, Team
from zoufang.patrol.models import RuleKind, SubjectKind, VisitSlot
from zoufang.patrol.rules.base import Hit, Param, RuleType, local, stamp
from zoufang.patrol.rules.base import Window as Span

# A visit longer than this is not searched for overlaps by its start (a data error anyway).
LONGEST_VISIT = dt.timedelta(hours=4)


def _new_slots(campaign_id: int, window: Span, *, team: bool):  # type: ignore[no-untyped-def]
    return VisitSlot.objects.filter(
        campaign_id=campaign_id,
        visit_id__gt=window.since,
        visit_id__lte=window.upto,
        personnel_id__isnull=team,
    )


class TeamRate(RuleType):
    kind = RuleKind.TEAM_RATE
    summary = _("%(count)s visits by the team within an hour on %(day)s (at most %(limit)s)")
    params = {"max_per_hour": Param(_("Most visits a team makes in an hour"), 8, 2, 60)}

    def run(self, window: Span) -> Iterator[Hit]:
        limit = int(self.p["max_per_hour"])
        new = _new_slots(self.campaign.pk, window, team=True)
        first = new.aggregate(first=Min("started_at"))["first"]
        if first is None:
            return
        slots = (
            VisitSlot.objects.filter(
                campaign_id=self.campaign.pk,
                personnel_id__isnull=True,
                team_id__in=new.values("team_id"),
                started_at__gte=first - dt.timedelta(hours=1),
            )
            .annotate(
                # The start of the visit `limit` places earlier in the team's day: if it lies
                # within the hour, the team made limit + 1 visits in that hour.
                earlier=Window(
                    Lag("started_at", offset=limit),
                    partition_by=[F("team_id")],
                    order_by=[F("started_at").asc(), F("visit_id").asc()],
                )
            )
            .filter(
                earlier__gt=ExpressionWrapper(
                    F("started_at") - dt.timedelta(hours=1), output_field=DateTimeField()
                )
            )
            .values_list("team_id", "visit_id", "started_at", "earlier")
        )
        worst: dict[tuple[int, dt.date], tuple] = {}
        for team_id, visit_id, start, earlier in slots:
            worst.setdefault((team_id, local(start).date()), (visit_id, start, earlier))
        yield from self._hits(worst, limit)

    def _hits(self, worst: dict, limit: int) -> Iterator[Hit]:
        teams = Team.objects.in_bulk([t for t, _d in worst])
        for (team_id, day), (visit_id, start, earlier) in worst.items():
            team = teams.get(team_id)
            if team is None:
                continue
            visits = list(
                VisitSlot.objects.filter(
                    team_id=team_id,
                    personnel_id__isnull=True,
                    started_at__gte=start - dt.timedelta(hours=1),
                    started_at__lte=start,
                )
                .order_by("started_at")
                .values_list("visit_id", flat=True)
            )
            yield Hit(
                key=f"t:{team_id}|{day.isoformat()}",
                subject=SubjectKind.TEAM,
                unit_id=team.beat_id,
                unit_path=team.unit_path,
                team_id=team_id,
                visit_id=visit_id,
                args={"count": len(visits), "day": day.isoformat(), "limit": limit},
                evidence={"visits": visits, "from": stamp(earlier), "to": stamp(start)},
            )


class Overlap(RuleType):
    kind = RuleKind.OVERLAP
    summary = _("%(person)s on two visits at once (%(minutes)s min overlap)")
    params = {"min_overlap": Param(_("Overlap that counts (minutes)"), 5, 1, 120)}

    def run(self, window: Span) -> Iterator[Hit]:
        new = _new_slots(self.campaign.pk, window, team=False)
        first = new.aggregate(first=Min("started_at"))["first"]
        if first is None:
            return
        margin = dt.timedelta(minutes=int(self.p["min_overlap"]))
        rows = (
            VisitSlot.objects.filter(
                campaign_id=self.campaign.pk,
                personnel_id__in=new.values("personnel_id"),
                started_at__gte=first - LONGEST_VISIT,
            )
            .annotate(
                before=Window(
                    Max("ended_at"),
                    partition_by=[F("personnel_id")],
                    order_by=[F("started_at").asc(), F("visit_id").asc()],
                    frame=RowRange(start=None, end=-1),
                )
            )
            .filter(
                before__gte=ExpressionWrapper(
                    F("started_at") + margin, output_field=DateTimeField()
                )
            )
            .values_list("personnel_id", "visit_id", "started_at", "ended_at")
        )
        people: dict[tuple, set[int]] = defaultdict(set)
        for personnel_id, visit_id, start, end in rows:
            people[(visit_id, start, end)].add(personnel_id)
        for (visit_id, start, end), persons in people.items():
            yield from self._pairs(visit_id, start, end, persons, margin)

    def _pairs(
        self,
        visit_id: int,
        start: dt.datetime,
        end: dt.datetime,
        persons: set[int],
        margin: dt.timedelta,
    ) -> Iterator[Hit]:
        """The earlier visits that share people with this one and overlap it by `margin`:
        one flag per pair of visits, naming the people who were on both."""
        others = (
            VisitSlot.objects.filter(
                personnel_id__in=persons,
                started_at__lte=start,
                started_at__gte=start - LONGEST_VISIT,
                ended_at__gte=start + margin,
            )
            .exclude(visit_id=visit_id)
            .values_list("visit_id", "personnel_id", "started_at", "ended_at")
        )
        shared: dict[tuple, set[int]] = defaultdict(set)
        for other_id, personnel_id, o_start, o_end in others:
            shared[(other_id, o_start, o_end)].add(personnel_id)
        if not shared:
            return
        from zoufang.visits.models import Visit

        beat_id, path = Visit.objects.values_list("beat_id", "unit_path").get(pk=visit_id)
        names = dict(Personnel.objects.filter(pk__in=persons).values_list("pk", "name"))
        for (other_id, o_start, o_end), both in shared.items():
            overlap = min(end, o_end) - max(start, o_start)
            if overlap < margin:
                continue
            low, high = sorted((visit_id, other_id))
            who = sorted(both)
            yield Hit(
                key=f"v:{low}|v:{high}",
                subject=SubjectKind.PERSON,
                unit_id=beat_id,
                unit_path=path,
                personnel_id=who[0],
                visit_id=high,
                other_visit_id=low,
                args={
                    "person": "、".join(names.get(p, "") for p in who),
                    "minutes": int(overlap.total_seconds() // 60),
                },
                evidence={
                    "people": who,
                    "visits": [
                        {"id": other_id, "from": stamp(o_start), "to": stamp(o_end)},
                        {"id": visit_id, "from": stamp(start), "to": stamp(end)},
                    ],
                },
            )
