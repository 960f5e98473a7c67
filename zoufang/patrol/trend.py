"""Flags over time, per rule or per unit: the patrol page's chart, its table view, its xlsx and
the API's /patrol/trend. A flag is dated by the visit it is about (the day the work was done),
or, for a flag about a team or a finding, by the day the patrol raised it. One grouped query,
scoped like the queue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    IntegerField,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate

from zoufang.core.scope import subtree_q
from zoufang.org.models import Unit
from zoufang.patrol.models import Flag
from zoufang.patrol.rules import KINDS
from zoufang.visits.models import Visit

if TYPE_CHECKING:
    from zoufang.org.models import User

BY = ("rule", "unit")


@dataclass
class Series:
    key: str
    name: str
    counts: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class Trend:
    by: str
    days: list[dt.date]
    series: list[Series]

    def rows(self) -> list[list[Any]]:
        """The table view: one row per day, one column per series."""
        return [[day, *(s.counts[i] for s in self.series)] for i, day in enumerate(self.days)]


def flag_trend(
    user: User, campaign: Any, *, by: str = "rule", root: Unit | None = None, state: str = ""
) -> Trend:
    """Flags per day and rule (`by="rule"`) or per day and child unit of `root` (`by="unit"`;
    `root` also narrows the per-rule view to its subtree). Days without flags between the
    first and the last are shown as zero."""
    if by not in BY:
        by = "rule"
    qs = Flag.objects.visible_to(user).filter(campaign=campaign)
    if root is not None:
        qs = qs.in_subtree(root.path)
    if state:
        qs = qs.filter(state=state)
    visit_time = Visit.objects.filter(pk=OuterRef("visit_id")).values("started_at")[:1]
    day = TruncDate(Coalesce(Subquery(visit_time), "created_at", output_field=DateTimeField()))
    if by == "rule":
        rows = qs.order_by().values_list(day, "rule__kind").annotate(n=Count("pk"))
        labels = {kind: _kind_label(kind) for kind in KINDS}
        order = list(KINDS)
    else:
        children = _children(user, root)
        if not children:
            return Trend(by=by, days=[], series=[])
        bucket = Case(
            *[When(subtree_q("unit_path", u.path), then=Value(u.pk)) for u in children],
            default=Value(None),
            output_field=IntegerField(),
        )
        rows = (
            qs.annotate(bucket=bucket)
            .filter(bucket__isnull=False)
            .order_by()
            .values_list(day, "bucket")
            .annotate(n=Count("pk"))
        )
        labels = {u.pk: u.name for u in children}
        order = [u.pk for u in children]
    counts: dict[tuple[dt.date, Any], int] = {}
    for d, key, n in rows:
        if d is not None:
            counts[(d, key)] = n
    if not counts:
        return Trend(by=by, days=[], series=[])
    first, last = min(d for d, _k in counts), max(d for d, _k in counts)
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    present = {k for _d, k in counts}
    series = [
        Series(key=str(k), name=labels[k], counts=[counts.get((d, k), 0) for d in days])
        for k in order
        if k in present
    ]
    return Trend(by=by, days=days, series=series)


def _kind_label(kind: str) -> str:
    from zoufang.patrol.models import RuleKind

    return str(RuleKind(kind).label)


def _children(user: User, root: Unit | None) -> list[Unit]:
    """The units the per-unit view compares: the children of `root` (default: the reader's
    own root unit, the city for campaign-wide roles) that the reader may see; a beat, which
    has none, is compared with itself."""
    from zoufang.supervision.selectors.common import root_unit

    root = root or root_unit(user)
    if root is None:
        return []
    children = list(
        Unit.objects.visible_to(user).filter(parent=root).order_by("sort_order", "code")
    )
    return children or [root]
