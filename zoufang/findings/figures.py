"""The findings' figures for a unit's subtree (by territory), read from the rollups
(findings/rollups.py): a few rows per beat, whatever the number of findings. The caller has
checked that the user sees the unit at `path`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Sum

from zoufang.core.rollup import child_path
from zoufang.findings.models import OPEN_STATES
from zoufang.findings.rollups import FindingCloseRollup, FindingDayRollup, FindingRollup

OPEN = frozenset(str(s) for s in OPEN_STATES)


@dataclass
class FindingCounts:
    total: int = 0
    open: int = 0
    overdue: int = 0  # open and marked overdue by the sweep
    supervised: int = 0  # 督办, any state
    closed: int = 0
    by_kind: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    by_grade: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    by_state: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, kind: int, grade: str, state: str, overdue: bool, supervised: bool, n: int):
        self.total += n
        self.by_kind[kind] += n
        self.by_grade[grade] += n
        self.by_state[state] += n
        if state in OPEN:
            self.open += n
            if overdue:
                self.overdue += n
        if supervised:
            self.supervised += n
        if state == "closed":
            self.closed += n

    def rate_closed(self) -> float:
        return round(100 * self.closed / self.total, 1) if self.total else 0.0


def _scoped(model, path: str, campaign_id: int):  # type: ignore[no-untyped-def]
    return model.objects.in_subtree(path).filter(campaign_id=campaign_id)


def finding_counts(
    path: str, campaign_id: int, *, by_child: bool = False
) -> FindingCounts | dict[str, FindingCounts]:
    """Findings lying in the subtree by kind (top-level kind ids as stored), grade, state,
    overdue and 督办; per child unit path when asked."""
    qs = _scoped(FindingRollup, path, campaign_id)
    group = ["kind_id", "grade", "state", "overdue", "supervised"]
    if by_child:
        qs = qs.annotate(child=child_path(path))
        group = ["child", *group]
    grouped: dict[str, FindingCounts] = defaultdict(FindingCounts)
    for row in qs.values_list(*group).annotate(n=Sum("n")).order_by():
        key = row[0] if by_child else ""
        grouped[key].add(*row[-6:])
    return dict(grouped) if by_child else grouped[""]


def finding_days(
    path: str, campaign_id: int, *, since: dt.date | None = None, until: dt.date | None = None
) -> dict[dt.date, tuple[int, int]]:
    """Findings raised and closed per day."""
    qs = _scoped(FindingDayRollup, path, campaign_id)
    if since:
        qs = qs.filter(day__gte=since)
    if until:
        qs = qs.filter(day__lte=until)
    return {
        day: (r, c)
        for day, r, c in qs.values_list("day")
        .annotate(r=Sum("raised"), c=Sum("closed"))
        .order_by("day")
        if r or c
    }


def median_close_hours(path: str, campaign_id: int) -> int | None:
    """The median time from raised to closed of the closed findings, in whole hours (the
    lower median); None when none is closed."""
    hist = [
        (h, n)
        for h, n in _scoped(FindingCloseRollup, path, campaign_id)
        .values_list("hours")
        .annotate(n=Sum("n"))
        .order_by("hours")
        if n
    ]
    total = sum(n for _h, n in hist)
    if not total:
        return None
    rank, seen = (total + 1) // 2, 0
    for hours, n in hist:
        seen += n
        if seen >= rank:
            return hours
    return None
