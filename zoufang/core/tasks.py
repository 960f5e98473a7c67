"""Core's periodic job: retention (zoufang.core.retention), daily under celery beat."""

from __future__ import annotations

from celery import shared_task

from zoufang.core import retention


@shared_task(name="core.retention")
def retention_task() -> dict[str, int]:
    return retention.run()
