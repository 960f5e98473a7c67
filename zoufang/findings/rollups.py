"""The findings' rollups: counts per territory beat kept as findings change, so the dashboard
and the daily report read a few rows per beat (docs/decisions/0011-rollups.md).

- `FindingRollup`: findings by beat, kind, grade, state, overdue flag and 督办;
- `FindingDayRollup`: findings raised and closed per beat and day (Asia/Shanghai);
- `FindingCloseRollup`: closed findings by beat and whole hours from raised to closed (the
  median time to close is read from it exactly, in whole hours).

A finding's contribution is its `signature`: every write path takes it before the change and
after, and `signature_move` adds the difference in the same transaction (creation, every
transition, the overdue sweep). `rollups_rebuild` recomputes them from the findings.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone

from zoufang.core.models import PathField, ScopedQuerySet
from zoufang.core.rollup import Delta, rollup_add

if TYPE_CHECKING:
    from zoufang.findings.models import Finding


def _fk(to: str) -> models.ForeignKey:
    # No constraint, no index of its own: the unique key leads with it (see visits.rollups).
    return models.ForeignKey(
        to, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )


class FindingRollup(models.Model):
    campaign_id = models.BigIntegerField(default=0)  # 0: raised outside a campaign
    beat = _fk("org.Unit")
    unit_path = PathField(editable=False)
    kind = _fk("findings.FindingKind")
    grade = models.CharField(max_length=10)
    state = models.CharField(max_length=20)
    overdue = models.BooleanField()
    supervised = models.BooleanField()
    n = models.IntegerField(default=0)

    objects = ScopedQuerySet.as_manager()

    ROLLUP_KEY = ("campaign_id", "beat_id", "kind_id", "grade", "state", "overdue", "supervised")
    ROLLUP_FIXED = ("unit_path",)
    ROLLUP_SUMS = ("n",)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign_id", "beat", "kind", "grade", "state", "overdue", "supervised"],
                name="fnd_rollup_key",
            )
        ]
        indexes = [models.Index(fields=["unit_path", "campaign_id"], name="fnd_rollup_scope")]

    def __str__(self) -> str:
        return f"{self.unit_path} {self.kind_id} {self.state}: {self.n}"


class FindingDayRollup(models.Model):
    campaign_id = models.BigIntegerField(default=0)
    beat = _fk("org.Unit")
    unit_path = PathField(editable=False)
    day = models.DateField()
    raised = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)

    objects = ScopedQuerySet.as_manager()

    ROLLUP_KEY = ("campaign_id", "beat_id", "day")
    ROLLUP_FIXED = ("unit_path",)
    ROLLUP_SUMS = ("raised", "closed")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign_id", "beat", "day"], name="fnd_rollup_day_key"
            )
        ]
        indexes = [
            models.Index(fields=["unit_path", "campaign_id", "day"], name="fnd_rollup_day_scope")
        ]

    def __str__(self) -> str:
        return f"{self.unit_path} {self.day}: +{self.raised} -{self.closed}"


class FindingCloseRollup(models.Model):
    campaign_id = models.BigIntegerField(default=0)
    beat = _fk("org.Unit")
    unit_path = PathField(editable=False)
    hours = models.IntegerField()
    n = models.IntegerField(default=0)

    objects = ScopedQuerySet.as_manager()

    ROLLUP_KEY = ("campaign_id", "beat_id", "hours")
    ROLLUP_FIXED = ("unit_path",)
    ROLLUP_SUMS = ("n",)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign_id", "beat", "hours"], name="fnd_rollup_close_key"
            )
        ]
        indexes = [models.Index(fields=["unit_path", "campaign_id"], name="fnd_rollup_close_scope")]

    def __str__(self) -> str:
        return f"{self.unit_path} {self.hours} h: {self.n}"


MODELS = (FindingRollup, FindingDayRollup, FindingCloseRollup)
Signature = dict[type[models.Model], list[Delta]]


def close_hours(f: Finding) -> int | None:
    """Whole hours from raised to closed (None while the finding is not closed)."""
    if f.state != "closed" or f.closed_at is None or f.created_at is None:
        return None
    return max(0, int((f.closed_at - f.created_at).total_seconds() // 3600))


def signature(f: Finding) -> Signature:
    """What one finding counts for in each rollup, as it stands."""
    base = {"campaign_id": f.campaign_id or 0, "beat_id": f.beat_id, "unit_path": f.unit_path}
    out: Signature = {
        FindingRollup: [
            (
                {
                    **base,
                    "kind_id": f.kind_id,
                    "grade": f.grade,
                    "state": f.state,
                    "overdue": bool(f.is_overdue),
                    "supervised": bool(f.supervised),
                },
                [1],
            )
        ],
        FindingDayRollup: [({**base, "day": timezone.localtime(f.created_at).date()}, [1, 0])],
        FindingCloseRollup: [],
    }
    hours = close_hours(f)
    if hours is not None:
        out[FindingDayRollup].append(
            ({**base, "day": timezone.localtime(f.closed_at).date()}, [0, 1])
        )
        out[FindingCloseRollup].append(({**base, "hours": hours}, [1]))
    return out


def signature_move(before: Iterable[Signature], after: Iterable[Signature]) -> None:
    """Take the `before` signatures off the rollups and put the `after` ones on, one
    statement per rollup, inside the caller's transaction."""
    before, after = list(before), list(after)
    for model in MODELS:
        deltas: list[Delta] = []
        for sig in before:
            deltas += [(row, [-v for v in sums]) for row, sums in sig.get(model, ())]
        for sig in after:
            deltas += sig.get(model, [])
        rollup_add(model, deltas)


@transaction.atomic
def rollups_rebuild(*, campaign_id: int | None = None) -> dict[str, int]:
    """Recompute the findings' rollups from the findings (one campaign, or all), the tables
    locked first on PostgreSQL (see visits.rollups.rollups_rebuild)."""
    from django.db import connection

    from zoufang.findings.models import Finding

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            tables = ", ".join(m._meta.db_table for m in MODELS)
            cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")
    findings = Finding.objects.all()
    if campaign_id is not None:
        findings = findings.filter(campaign_id=campaign_id or None)
    for model in MODELS:
        if campaign_id is None:
            model.objects.all().delete()
        else:
            model.objects.filter(campaign_id=campaign_id).delete()
    fields = (
        "campaign_id",
        "beat_id",
        "unit_path",
        "kind_id",
        "grade",
        "state",
        "is_overdue",
        "supervised",
        "created_at",
        "closed_at",
    )
    written = dict.fromkeys(("findings", "days", "closed"), 0)
    batch: list[Signature] = []
    for values in findings.values_list(*fields).order_by().iterator(chunk_size=5000):
        batch.append(signature(_light(fields, values)))
        if len(batch) == 5000:
            _add_all(batch, written)
            batch = []
    _add_all(batch, written)
    return written


def _light(fields: tuple[str, ...], values: tuple) -> Any:
    from zoufang.findings.models import Finding

    return Finding(**dict(zip(fields, values, strict=True)))


def _add_all(batch: list[Signature], written: dict[str, int]) -> None:
    for name, model in zip(("findings", "days", "closed"), MODELS, strict=True):
        written[name] += rollup_add(model, [d for sig in batch for d in sig.get(model, ())])
