"""Rules on when people were where: a team's pace, one person on two visits at once. They read
the patrol's slot index (`VisitSlot`: who, start, end) through window functions ordered by
start time, limited to the people and teams of the new visits and the time they cover."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db import connection
from django.db.models import DateTimeField, ExpressionWrapper, F, Min, Window
from django.db.models.functions import Lag
from django.utils.translation import gettext_lazy as _

from zoufang.org.models import Personnel, Team
from zoufang.patrol.models import RuleKind, SubjectKind, VisitSlot
from zoufang.patrol.rules.base import Hit, Param, RuleType, local, stamp
from zoufang.patrol.rules.base import Window as Span
from zoufang.patrol.sql import hours_before

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
        pairs: dict[tuple[int, int], dict] = {}
        for f_visit, o_visit, person, f_start, f_end, o_start, o_end in self._rows(
            window, first - LONGEST_VISIT
        ):
            f_start, f_end, o_start, o_end = (_aware(t) for t in (f_start, f_end, o_start, o_end))
            overlap = min(f_end, o_end) - max(f_start, o_start)
            if overlap < margin:
                continue
            pair = pairs.setdefault(
                tuple(sorted((f_visit, o_visit))),
                {"visit": f_visit, "slots": {f_visit: (f_start, f_end), o_visit: (o_start, o_end)},
                 "people": set(), "overlap": overlap},
            )  # fmt: skip
            pair["people"].add(person)
        yield from self._hits(pairs)

    def _rows(self, window: Span, since_time: dt.datetime) -> list[tuple]:
        """Every (slot, earlier-starting slot of the same person) that overlap, one of them new.
        A window function over each person's slots ordered by start marks the slots that begin
        before an earlier one ended (one sort, no pairs); only those are joined back to the
        slots they overlap, through the (person, start) index."""
        slot = VisitSlot._meta.db_table
        lower = hours_before("f.started_at", int(LONGEST_VISIT.total_seconds() // 3600))
        sql = (
            "WITH s AS (SELECT personnel_id, visit_id, started_at, ended_at, "  # noqa: S608 # nosec B608
            "MAX(ended_at) OVER (PARTITION BY personnel_id ORDER BY started_at, visit_id "
            "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before "
            f"FROM {slot} WHERE campaign_id = %s AND personnel_id IS NOT NULL "
            "AND started_at >= %s AND personnel_id IN ("
            f"SELECT personnel_id FROM {slot} WHERE campaign_id = %s "
            "AND personnel_id IS NOT NULL AND visit_id > %s AND visit_id <= %s)), "
            "f AS (SELECT * FROM s WHERE before > started_at) "
            "SELECT f.visit_id, o.visit_id, f.personnel_id, f.started_at, f.ended_at, "
            f"o.started_at, o.ended_at FROM f JOIN {slot} o ON o.personnel_id = f.personnel_id "
            f"AND o.started_at <= f.started_at AND o.started_at >= {lower} "
            "AND o.ended_at > f.started_at AND o.visit_id <> f.visit_id "
            "WHERE o.campaign_id = %s AND (f.visit_id > %s OR o.visit_id > %s) "
            "ORDER BY f.visit_id, o.visit_id, f.personnel_id"
        )
        params = [
            self.campaign.pk,
            connection.ops.adapt_datetimefield_value(since_time),
            self.campaign.pk,
            window.since,
            window.upto,
        ]
        params += [self.campaign.pk, window.since, window.since]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def _hits(self, pairs: dict[tuple[int, int], dict]) -> Iterator[Hit]:
        """One flag per pair of visits, naming the people who were on both; the flag belongs
        to the unit of the visit that began while the other was still going on."""
        from zoufang.visits.models import Visit

        items = sorted(pairs.items())
        for start in range(0, len(items), 1000):
            chunk = items[start : start + 1000]
            places = dict(
                (pk, (beat, path))
                for pk, beat, path in Visit.objects.filter(
                    pk__in={p["visit"] for _k, p in chunk}
                ).values_list("pk", "beat_id", "unit_path")
            )
            persons = {person for _k, p in chunk for person in p["people"]}
            names = dict(Personnel.objects.filter(pk__in=persons).values_list("pk", "name"))
            for (low, high), pair in chunk:
                if pair["visit"] not in places:
                    continue
                beat_id, path = places[pair["visit"]]
                other = high if pair["visit"] == low else low
                who = sorted(pair["people"])
                (o_start, o_end), (start_at, end_at) = (
                    pair["slots"][other],
                    pair["slots"][pair["visit"]],
                )
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
                        "minutes": int(pair["overlap"].total_seconds() // 60),
                    },
                    evidence={
                        "people": who,
                        "visits": [
                            {"id": other, "from": stamp(o_start), "to": stamp(o_end)},
                            {"id": pair["visit"], "from": stamp(start_at), "to": stamp(end_at)},
                        ],
                    },
                )


def _aware(moment: dt.datetime | str) -> dt.datetime:
    """A timestamp read by raw SQL: aware on PostgreSQL, naive UTC text or datetime on SQLite."""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment
