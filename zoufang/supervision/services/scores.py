"""Scores and ranking: the weighted components per unit (and per team), daily snapshots for
the trend, and the ranks. The formula: score = Σ wₖ·vₖ / Σ wₖ over the components the unit
has a value for (`scoring.weighted_score`); each vₖ is 0–100."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from zoufang.org.models import Team, Unit
from zoufang.supervision import scoring
from zoufang.supervision.models import ScoreSnapshot
from zoufang.supervision.services.config import weights_for
from zoufang.visits.models import TaskState, VisitTask

if TYPE_CHECKING:
    from zoufang.campaigns.models import Campaign


@dataclass
class ScoreRow:
    unit: Unit
    values: dict[str, float]
    score: float | None
    rank: int = 0
    team: Team | None = None
    drill: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.team.name if self.team else self.unit.name


def rank(rows: list[ScoreRow]) -> list[ScoreRow]:
    """Highest score first; equal scores share a rank (1, 2, 2, 4); no score ranks last."""
    rows.sort(key=lambda r: (r.score is None, -(r.score or 0), r.label))
    previous, position = None, 0
    for i, r in enumerate(rows, start=1):
        if r.score != previous:
            position, previous = i, r.score
        r.rank = position
    return rows


def score_units(campaign: Campaign, units: list[Unit], weights: dict[str, int]) -> list[ScoreRow]:
    table = scoring.compute(campaign, units, weights)
    rows = []
    for u in units:
        values = table[u.pk]
        drill = {}
        for c in scoring.components():
            if c.drill and c.key in values:
                drill[c.key] = c.drill(u)
        rows.append(
            ScoreRow(
                unit=u, values=values, score=scoring.weighted_score(values, weights), drill=drill
            )
        )
    return rank(rows)


def team_coverage(campaign: Campaign, teams: list[Team]) -> dict[int, float]:
    """Visited share of each team's own tasks."""
    grouped = (
        VisitTask.objects.filter(campaign=campaign, team__in=teams)
        .values("team_id")
        .annotate(total=Count("pk"), visited=Count("pk", filter=Q(state=TaskState.VISITED)))
        .order_by()
    )
    return {r["team_id"]: round(100 * r["visited"] / r["total"], 2) for r in grouped if r["total"]}


def score_teams(campaign: Campaign, station: Unit, weights: dict[str, int]) -> list[ScoreRow]:
    """A score per team of a station's beats: its beat's components, with coverage measured
    on the team's own tasks (several teams may share a beat)."""
    teams = list(
        Team.objects.in_subtree(station.path).filter(campaign=campaign).select_related("beat")
    )
    beats = list({t.beat_id: t.beat for t in teams}.values())
    table = scoring.compute(campaign, beats, weights)
    own = team_coverage(campaign, teams) if weights.get("coverage") else {}
    rows = []
    for t in teams:
        values = dict(table.get(t.beat_id, {}))
        if t.pk in own:
            values["coverage"] = own[t.pk]
        rows.append(
            ScoreRow(
                unit=t.beat, team=t, values=values, score=scoring.weighted_score(values, weights)
            )
        )
    return rank(rows)


SNAPSHOT_LEVELS = (Unit.Level.COUNTY, Unit.Level.STATION)


@transaction.atomic
def snapshot_take(campaign: Campaign, day: dt.date | None = None) -> int:
    """Write (or refresh) the day's score of every county bureau and station, ranked among
    its siblings. Safe to re-run: one row per campaign, day and unit."""
    day = day or timezone.localdate()
    weights = weights_for(campaign)
    written = 0
    parents = Unit.objects.filter(level__in=[lvl - 1 for lvl in SNAPSHOT_LEVELS])
    for parent in parents:
        units = list(Unit.objects.filter(parent=parent))
        if not units:
            continue
        for r in score_units(campaign, units, weights):
            ScoreSnapshot.objects.update_or_create(
                campaign=campaign,
                day=day,
                unit=r.unit,
                defaults={
                    "unit_path": r.unit.path,
                    "level": r.unit.level,
                    "score": Decimal(str(r.score or 0)),
                    "rank": r.rank,
                    "components": r.values,
                },
            )
            written += 1
    return written


def trend(campaign: Campaign, units: list[Unit]) -> dict:
    """Rank and score per day of each unit, for the ECharts line."""
    snaps = ScoreSnapshot.objects.filter(campaign=campaign, unit__in=units).order_by("day")
    days = sorted({s.day for s in snaps})
    index = {d: i for i, d in enumerate(days)}
    series = {
        u.pk: {"name": u.name, "rank": [None] * len(days), "score": [None] * len(days)}
        for u in units
    }
    for s in snaps:
        series[s.unit_id]["rank"][index[s.day]] = s.rank
        series[s.unit_id]["score"][index[s.day]] = float(s.score)
    return {"days": [d.isoformat() for d in days], "series": list(series.values())}
