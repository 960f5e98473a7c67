"""Reads of on-site verification: task lists, and the confirmed rate per unit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet

from zoufang.org.models import Unit
from zoufang.supervision.access import is_supervisor, verifies_own_unit
from zoufang.supervision.components import by_unit
from zoufang.supervision.models import VerificationSample, VerificationTask

if TYPE_CHECKING:
    from zoufang.campaigns.models import Campaign
    from zoufang.org.models import User


def task_list(user: User, *, campaign: Campaign, unit: Unit, state: str = "") -> QuerySet:
    qs = (
        VerificationTask.objects.visible_to(user)
        .in_subtree(unit.path)
        .filter(campaign=campaign)
        .select_related("beat", "visit", "visit__task", "supervisor")
    )
    if state in VerificationTask.State.values:
        qs = qs.filter(state=state)
    return qs.order_by("state", "unit_path", "pk")


def my_open_tasks(user: User, *, campaign: Campaign) -> list[VerificationTask]:
    """A supervisor's open tasks: assigned to them, or unassigned and not of their own unit."""
    if not is_supervisor(user):
        return []
    qs = (
        VerificationTask.objects.filter(campaign=campaign, state=VerificationTask.State.OPEN)
        .filter(Q(supervisor=user) | Q(supervisor__isnull=True))
        .select_related("beat", "visit", "visit__task")
        .order_by("unit_path", "pk")[:200]
    )
    return [t for t in qs if not verifies_own_unit(user, t.unit_path)]


@dataclass
class RateRow:
    unit: Unit
    open: int = 0
    done: int = 0
    confirmed: int = 0
    not_happened: int = 0
    dissatisfied: int = 0

    @property
    def rate(self) -> float | None:
        return round(100 * self.confirmed / self.done, 1) if self.done else None


def rates(user: User, *, campaign: Campaign, unit: Unit) -> list[RateRow]:
    """Per child unit of `unit` (or the unit itself when it has none): one grouped query."""
    units = list(Unit.objects.visible_to(user).filter(parent=unit).order_by("sort_order", "code"))
    units = units or [unit]
    done = Q(state=VerificationTask.State.DONE)
    grouped = by_unit(
        VerificationTask.objects.visible_to(user).filter(campaign=campaign),
        units,
        open=Count("pk", filter=Q(state=VerificationTask.State.OPEN)),
        done=Count("pk", filter=done),
        confirmed=Count("pk", filter=done & Q(happened=True, facts_right=True)),
        not_happened=Count("pk", filter=done & Q(happened=False)),
        dissatisfied=Count("pk", filter=done & Q(satisfaction="dissatisfied")),
    )
    return [RateRow(unit=u, **grouped.get(u.pk, {})) for u in units]


def samples(campaign: Campaign) -> QuerySet:
    return VerificationSample.objects.filter(campaign=campaign).select_related("created_by")[:20]
