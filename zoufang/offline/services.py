"""Writes: a phone reports its queue."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from zoufang.offline.models import QueueReport

if TYPE_CHECKING:
    from zoufang.core.scope import User

# A phone's clock may run ahead; a time further in the future than this is taken as "now".
CLOCK_SKEW = dt.timedelta(minutes=5)


def _not_future(moment: dt.datetime | None, now: dt.datetime) -> dt.datetime | None:
    if moment is None:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return min(moment, now) if moment > now + CLOCK_SKEW else moment


@transaction.atomic
def queue_report_record(
    *,
    user: User,
    pending: int,
    oldest_at: dt.datetime | None,
    last_sync_at: dt.datetime | None,
) -> QueueReport:
    """Store what the user's phone says about its queue (the last report wins)."""
    now = timezone.now()
    unit = getattr(user, "unit", None)
    report, _created = QueueReport.objects.update_or_create(
        user=user,
        defaults={
            "unit_path": unit.path if unit is not None else "",
            "pending": pending,
            "oldest_at": _not_future(oldest_at, now) if pending else None,
            "last_sync_at": _not_future(last_sync_at, now),
            "reported_at": now,
        },
    )
    return report
