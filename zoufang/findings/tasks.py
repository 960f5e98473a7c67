"""Periodic work of the findings app (scheduled in settings: CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from zoufang.findings.services.sweep import findings_sweep


@shared_task(name="findings.sweep_overdue", autoretry_for=(OSError,), retry_backoff=True)
def findings_sweep_task() -> dict[str, int]:
    """Mark overdue findings, notify their owners and escalate past the second deadline."""
    result = findings_sweep()
    return {"overdue": result.overdue, "escalated": result.escalated, "notified": result.notified}
