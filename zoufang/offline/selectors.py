"""Reads: the queues of team members that have held records too long."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone

from zoufang.offline.models import QueueReport

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from zoufang.core.scope import User

STALE_AFTER = dt.timedelta(days=1)


def stale_queue_list(user: User, *, now: dt.datetime | None = None) -> QuerySet[QueueReport]:
    """The users in `user`'s jurisdiction whose phone last reported records waiting for more
    than a day, the longest-waiting first."""
    now = now or timezone.now()
    return (
        QueueReport.objects.visible_to(user)
        .filter(pending__gt=0, oldest_at__lt=now - STALE_AFTER)
        .select_related("user", "user__personnel")
        .order_by("oldest_at", "pk")
    )
