"""The phone reports its queue of records saved offline (length and oldest) when online."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from zoufang.core.api import Count, responses
from zoufang.offline.services import queue_report_record

router = Router(tags=["offline"])


class QueueIn(Schema):
    pending: Count
    oldest_at: dt.datetime | None = None
    last_sync_at: dt.datetime | None = None


class QueueOut(Schema):
    pending: int
    oldest_at: dt.datetime | None
    last_sync_at: dt.datetime | None


@router.post("/queue", response=responses(QueueOut, 401, 422), summary="Report my phone's queue")
def queue(request: HttpRequest, payload: QueueIn) -> dict:
    report = queue_report_record(
        user=request.user,
        pending=payload.pending,
        oldest_at=payload.oldest_at,
        last_sync_at=payload.last_sync_at,
    )
    return {
        "pending": report.pending,
        "oldest_at": report.oldest_at,
        "last_sync_at": report.last_sync_at,
    }
