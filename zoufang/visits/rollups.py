"""The big visit's rollups: counts kept per beat as tasks and visits change, so coverage, the
dashboard and the daily report read a few rows per beat instead of scanning every task and
visit of a city (docs/decisions/0011-rollups.md).

- `TaskRollup`: tasks by beat, team, visit kind and state (coverage, 底数清);
- `VisitDayRollup`: visits by beat, day (Asia/Shanghai), visit kind and outcome (the daily
  line, today against yesterday, cumulative coverage);
- `ComplianceRollup`: completed visits by beat, number of topics explained and whether a
  leaflet was handed out (compliance);
- `VisitItemRollup`: completed visits per publicity topic or leaflet, and leaflets handed.

Every write path adds its deltas in the same transaction as the change it counts: the visit
submission (both the ORM path here and `pgsubmit`'s statement), task generation, reassignment
and the correction decision that reopens a task. `rollups_rebuild` recomputes them from the
raw records (`manage.py rebuild_rollups`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from zoufang.core.models import PathField, ScopedQuerySet
from zoufang.core.rollup import Delta, rollup_add

if TYPE_CHECKING:
    from zoufang.visits.models import Visit, VisitTask


def _fk(to: str) -> models.ForeignKey:
    # No database constraint and no index of its own: the unique key below leads with these
    # columns, and a constraint would make every increment check (and share-lock) the row.
    return models.ForeignKey(
        to, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )


class TaskRollup(models.Model):
    campaign = _fk("campaigns.Campaign")
    beat = _fk("org.Unit")
    unit_path = PathField(editable=False)
    team_id = models.BigIntegerField(default=0)  # 0: no team
    kind = models.CharField(max_length=12)
    state = models.CharField(max_length=10)
    n = models.IntegerField(default=0)

    objects = ScopedQuerySet.as_manager()

    ROLLUP_KEY = ("campaign_id", "beat_id", "team_id", "kind", "state")
    ROLLUP_FIXED = ("unit_path",)
    ROLLUP_SUMS = ("n",)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "beat", "team_id", "kind", "state"], name="vis_rollup_task_key"
            )
        ]
        indexes = [models.Index(fields=["unit_path", "campaign"], name="vis_rollup_task_scope")]

    def __str__(self) -> str:
        return f"{self.unit_path} {self.kind} {self.state}: {self.n}"


class VisitDayRollup(models.Model):
    campaign = _fk("campaigns.Campaign")
    beat = _fk("org.Unit")
    unit_path = PathField(editable=False)
    day = models.DateField()
    kind = models.CharField(max_length=12)
    outcome = models.CharField(max_length=12)
    n = models.IntegerField(default=0)

    objects = ScopedQuerySet.as_manager()

    ROLLUP_KEY = ("campaign_id", "beat_id", "day", "kind", "outcome")
    ROLLUP_FIXED = ("unit_path",)
    ROLLUP_SUMS = ("n",)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "beat", "day", "kind", "outcome"], name="vis_rollup_day_key"
            )
        ]
        indexes = [
            models.Index(fields=["unit_path", "campaign", "day"], name="vis_rollup_day_scope")
        ]

    def __str__(self) -> str:
        return f"{self.unit_path} {self.day} {self.kind} {self.outcome}: {self.n}"


class ComplianceRollup(models.Model):
    campaign = _fk("campaigns.Campaign")
    beat = _fk("org.Unit")
    unit_path = PathField(editable=False)
    topic_count = models.PositiveSmallIntegerField()
    with_leaflets = models.BooleanField()
    visits = models.IntegerField(default=0)
    leaflets = models.BigIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()

    ROLLUP_KEY = ("campaign_id", "beat_id", "topic_count", "with_leaflets")
    ROLLUP_FIXED = ("unit_path",)
    ROLLUP_SUMS = ("visits", "leaflets")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "beat", "topic_count", "with_leaflets"],
                name="vis_rollup_compliance_key",
            )
        ]
        indexes = [models.Index(fields=["unit_path", "campaign"], name="vis_rollup_comp_scope")]

    def __str__(self) -> str:
        return f"{self.unit_path} {self.topic_count} {self.with_leaflets}: {self.visits}"


class VisitItemRollup(models.Model):
    campaign = _fk("campaigns.Campaign")
    beat = _fk("org.Unit")
    unit_path = PathField(editable=False)
    item = _fk("campaigns.CatalogItem")
    visits = models.IntegerField(default=0)
    quantity = models.BigIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()

    ROLLUP_KEY = ("campaign_id", "beat_id", "item_id")
    ROLLUP_FIXED = ("unit_path",)
    ROLLUP_SUMS = ("visits", "quantity")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "beat", "item"], name="vis_rollup_item_key")
        ]
        indexes = [models.Index(fields=["unit_path", "campaign"], name="vis_rollup_item_scope")]

    def __str__(self) -> str:
        return f"{self.unit_path} {self.item_id}: {self.visits}"


# The order every write path adds to the rollups in (one lock order for all of them).
MODELS = (TaskRollup, VisitDayRollup, ComplianceRollup, VisitItemRollup)


def local_day(at: dt.datetime) -> dt.date:
    """The campaign day of a moment (the site's time zone, Asia/Shanghai)."""
    return timezone.localtime(at).date()


def task_deltas(tasks: Iterable[VisitTask], sign: int = 1) -> list[Delta]:
    """Each task's count in TaskRollup (its current beat, team, kind and state)."""
    return [
        (
            {
                "campaign_id": t.campaign_id,
                "beat_id": t.beat_id,
                "team_id": t.team_id or 0,
                "kind": t.kind,
                "state": t.state,
                "unit_path": t.unit_path,
            },
            [sign],
        )
        for t in tasks
    ]


def task_rollup_move(before: list[Delta], tasks: Iterable[VisitTask]) -> None:
    """After tasks changed team or state: their old counts (`task_deltas` taken before the
    change) off, their new ones on. Call inside the transaction that saves them."""
    rollup_add(TaskRollup, [*(_negate(d) for d in before), *task_deltas(tasks)])


def _negate(delta: Delta) -> Delta:
    return delta[0], [-v for v in delta[1]]


def visit_deltas(
    visit: Visit,
    *,
    task: VisitTask,
    old_state: str,
    topics: list[int],
    leaflets: list[tuple[int, int]],
) -> dict[type[models.Model], list[Delta]]:
    """What one new visit adds to each rollup; `task` carries its new state already."""
    beat = {"campaign_id": visit.campaign_id, "beat_id": visit.beat_id}
    fixed = {"unit_path": visit.unit_path}
    before = task_deltas([task], -1)
    before[0][0]["state"] = old_state
    out: dict[type[models.Model], list[Delta]] = {
        TaskRollup: [*before, *task_deltas([task])],
        VisitDayRollup: [
            (
                {
                    **beat,
                    "day": local_day(visit.started_at),
                    "kind": visit.kind,
                    "outcome": visit.outcome,
                    **fixed,
                },
                [1],
            )
        ],
        ComplianceRollup: [],
        VisitItemRollup: [],
    }
    if visit.outcome == "visited":
        handed = sum(q for _i, q in leaflets)
        key = {**beat, "topic_count": len(topics), "with_leaflets": handed > 0, **fixed}
        out[ComplianceRollup].append((key, [1, handed]))
        out[VisitItemRollup] = [({**beat, "item_id": i, **fixed}, [1, 0]) for i in topics] + [
            ({**beat, "item_id": i, **fixed}, [1, q]) for i, q in leaflets
        ]
    return out


def visit_rollups_add(deltas: dict[type[models.Model], list[Delta]]) -> None:
    """The ORM path's write of `visit_deltas` (pgsubmit writes them in its own statement)."""
    for model in MODELS:
        rollup_add(model, deltas.get(model, ()))


# ---- repair -----------------------------------------------------------------------------


def _rebuild_rows(model: type[models.Model], rows: Iterable[dict[str, Any]]) -> int:
    objs = [model(**row) for row in rows]
    model.objects.bulk_create(objs, batch_size=2000)
    return len(objs)


def _tasks(campaign_q: Q) -> Iterable[dict[str, Any]]:
    from zoufang.visits.models import VisitTask

    for row in (
        VisitTask.objects.filter(campaign_q)
        .values("campaign_id", "beat_id", "unit_path", "team_id", "kind", "state")
        .annotate(n=Count("pk"))
        .order_by()
        .iterator()
    ):
        row["team_id"] = row["team_id"] or 0
        yield row


def _days(campaign_q: Q) -> Iterable[dict[str, Any]]:
    from zoufang.visits.models import Visit

    return (
        Visit.objects.filter(campaign_q)
        .annotate(day=TruncDate("started_at", tzinfo=timezone.get_current_timezone()))
        .values("campaign_id", "beat_id", "unit_path", "day", "kind", "outcome")
        .annotate(n=Count("pk"))
        .order_by()
        .iterator()
    )


def _compliance(campaign_q: Q) -> Iterable[dict[str, Any]]:
    from zoufang.visits.models import Visit

    return (
        Visit.objects.filter(campaign_q, outcome="visited")
        .annotate(
            with_leaflets=ExpressionWrapper(Q(leaflet_count__gt=0), output_field=BooleanField())
        )
        .values("campaign_id", "beat_id", "unit_path", "topic_count", "with_leaflets")
        .annotate(visits=Count("pk"), leaflets=Sum("leaflet_count"))
        .order_by()
        .iterator()
    )


def _items(campaign_id: int | None) -> Iterable[dict[str, Any]]:
    from zoufang.visits.models import VisitLeaflet, VisitTopic

    totals: dict[tuple, dict[str, Any]] = {}
    campaign_q = Q(visit__campaign_id=campaign_id) if campaign_id is not None else Q()
    for model, quantity in ((VisitTopic, None), (VisitLeaflet, "quantity")):
        rows = (
            model.objects.filter(campaign_q, visit__outcome="visited")
            .values("visit__campaign_id", "visit__beat_id", "visit__unit_path", "item_id")
            .annotate(visits=Count("pk"), quantity=Sum(quantity) if quantity else Count("pk"))
            .order_by()
        )
        for r in rows:
            key = (r["visit__campaign_id"], r["visit__beat_id"], r["item_id"])
            row = totals.setdefault(
                key,
                {
                    "campaign_id": key[0],
                    "beat_id": key[1],
                    "item_id": key[2],
                    "unit_path": r["visit__unit_path"],
                    "visits": 0,
                    "quantity": 0,
                },
            )
            row["visits"] += r["visits"]
            row["quantity"] += r["quantity"] if quantity else 0
    return totals.values()


@transaction.atomic
def rollups_rebuild(*, campaign_id: int | None = None) -> dict[str, int]:
    """Recompute the big visit's rollups from the tasks and visits (one campaign, or all).
    The rollup tables are locked first on PostgreSQL: submissions wait for the rebuild and
    then add their own deltas to the rebuilt rows, so none is counted twice or lost."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            tables = ", ".join(m._meta.db_table for m in MODELS)
            cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")
    campaign_q = Q(campaign_id=campaign_id) if campaign_id is not None else Q()
    for model in MODELS:
        model.objects.filter(campaign_q).delete()
    return {
        "tasks": _rebuild_rows(TaskRollup, _tasks(campaign_q)),
        "days": _rebuild_rows(VisitDayRollup, _days(campaign_q)),
        "compliance": _rebuild_rows(ComplianceRollup, _compliance(campaign_q)),
        "items": _rebuild_rows(VisitItemRollup, _items(campaign_id)),
    }
