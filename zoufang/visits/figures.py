"""The big visit's figures for a unit's subtree, read from the rollups (visits/rollups.py):
a few rows per beat, whatever the number of tasks and visits. The callers have checked that
the user sees the unit (`path`); every read is a range on the rollups' `unit_path`.

`by_child=True` groups by the child unit of `path` (the ranking of the units under it)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Sum

from zoufang.core.rollup import child_path
from zoufang.visits.models import TaskState, VisitKind
from zoufang.visits.rollups import (
    ComplianceRollup,
    TaskRollup,
    VisitDayRollup,
    VisitItemRollup,
)

STATES = [s.value for s in TaskState]
KINDS = [k.value for k in VisitKind]


@dataclass
class TaskCounts:
    """Tasks by visit kind and state: {kind: {state: n}}."""

    by_kind: dict[str, dict[str, int]] = field(
        default_factory=lambda: {k: dict.fromkeys(STATES, 0) for k in KINDS}
    )

    def add(self, kind: str, state: str, n: int) -> None:
        self.by_kind.setdefault(kind, dict.fromkeys(STATES, 0))
        self.by_kind[kind][state] = self.by_kind[kind].get(state, 0) + n

    def total(self, kind: str | None = None, state: str | None = None) -> int:
        kinds = [kind] if kind else list(self.by_kind)
        return sum(
            n
            for k in kinds
            for s, n in self.by_kind.get(k, {}).items()
            if state is None or s == state
        )

    def rate(self, kind: str | None = None) -> float:
        """Visited share of the tasks (0–100, one decimal)."""
        total = self.total(kind)
        return round(100 * self.total(kind, TaskState.VISITED) / total, 1) if total else 0.0


def task_counts(
    path: str, campaign_id: int, *, by_child: bool = False, by_team: bool = False
) -> dict[str, TaskCounts] | dict[int, TaskCounts] | TaskCounts:
    """Tasks of the subtree by kind and state; per child unit path, or per team id (0: no
    team), when asked."""
    qs = TaskRollup.objects.in_subtree(path).filter(campaign_id=campaign_id)
    group = ["kind", "state"]
    if by_child:
        qs = qs.annotate(child=child_path(path))
        group = ["child", *group]
    elif by_team:
        group = ["team_id", *group]
    rows = qs.values_list(*group).annotate(n=Sum("n")).order_by()
    if not (by_child or by_team):
        out = TaskCounts()
        for kind, state, n in rows:
            out.add(kind, state, n)
        return out
    grouped: dict = defaultdict(TaskCounts)
    for key, kind, state, n in rows:
        grouped[key].add(kind, state, n)
    return dict(grouped)


def visit_days(
    path: str, campaign_id: int, *, since: dt.date | None = None, until: dt.date | None = None
) -> dict[tuple[dt.date, str, str], int]:
    """Visits of the subtree per (day, kind, outcome)."""
    qs = VisitDayRollup.objects.in_subtree(path).filter(campaign_id=campaign_id)
    if since:
        qs = qs.filter(day__gte=since)
    if until:
        qs = qs.filter(day__lte=until)
    return {
        (day, kind, outcome): n
        for day, kind, outcome, n in qs.values_list("day", "kind", "outcome")
        .annotate(n=Sum("n"))
        .order_by()
        if n
    }


def visits_by_child(
    path: str, campaign_id: int, *, since: dt.date | None = None, until: dt.date | None = None
) -> dict[str, dict[str, int]]:
    """Visits of each child unit by outcome, between two days (inclusive) when given."""
    qs = VisitDayRollup.objects.in_subtree(path).filter(campaign_id=campaign_id)
    if since:
        qs = qs.filter(day__gte=since)
    if until:
        qs = qs.filter(day__lte=until)
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for child, outcome, n in (
        qs.annotate(child=child_path(path))
        .values_list("child", "outcome")
        .annotate(n=Sum("n"))
        .order_by()
    ):
        out[child][outcome] = n
    return dict(out)


@dataclass
class ComplianceCounts:
    visits: int = 0  # completed visits (outcome "visited")
    all_topics: int = 0  # of which every topic of the catalog was explained
    with_leaflets: int = 0
    compliant: int = 0  # every topic and at least one leaflet
    leaflets: int = 0
    topic_sum: int = 0

    def rate(self, part: int) -> float:
        return round(100 * part / self.visits, 1) if self.visits else 0.0

    @property
    def avg_topics(self) -> float:
        return round(self.topic_sum / self.visits, 2) if self.visits else 0.0


def compliance_counts(
    path: str, campaign_id: int, *, n_topics: int, by_child: bool = False
) -> ComplianceCounts | dict[str, ComplianceCounts]:
    """Completed visits and their compliance (every one of the `n_topics` topics explained,
    at least one leaflet handed out)."""
    qs = ComplianceRollup.objects.in_subtree(path).filter(campaign_id=campaign_id)
    group = ["topic_count", "with_leaflets"]
    if by_child:
        qs = qs.annotate(child=child_path(path))
        group = ["child", *group]
    rows = qs.values_list(*group).annotate(v=Sum("visits"), q=Sum("leaflets")).order_by()
    grouped: dict[str, ComplianceCounts] = defaultdict(ComplianceCounts)
    for row in rows:
        key = row[0] if by_child else ""
        topics, leaflets, visits, quantity = row[-4:]
        c = grouped[key]
        c.visits += visits
        c.leaflets += quantity
        c.topic_sum += topics * visits
        if topics >= n_topics:
            c.all_topics += visits
        if leaflets:
            c.with_leaflets += visits
        if topics >= n_topics and leaflets:
            c.compliant += visits
    if by_child:
        return dict(grouped)
    return grouped[""]


def item_counts(path: str, campaign_id: int) -> dict[int, tuple[int, int]]:
    """Per publicity topic or leaflet: (completed visits with it, leaflets handed)."""
    return {
        item: (v, q)
        for item, v, q in VisitItemRollup.objects.in_subtree(path)
        .filter(campaign_id=campaign_id)
        .values_list("item_id")
        .annotate(v=Sum("visits"), q=Sum("quantity"))
        .order_by()
    }
