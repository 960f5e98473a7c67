"""The demo city's offline queues: the `auxiliary` login's phone has held records for over a
day, another member's for a few hours, so `chief` sees one name on the team page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from zoufang.offline.models import QueueReport


def build(ctx: Any) -> None:
    now = timezone.now()
    users = get_user_model().objects.filter(username__in=["auxiliary", "officer"])
    for user in users:
        stale = user.username == "auxiliary"
        QueueReport.objects.update_or_create(
            user=user,
            defaults={
                "unit_path": user.unit.path if user.unit_id else "",
                "pending": 3 if stale else 1,
                "oldest_at": now - dt.timedelta(hours=29 if stale else 3),
                "last_sync_at": now - dt.timedelta(hours=30 if stale else 1),
                "reported_at": now - dt.timedelta(hours=2),
            },
        )
