"""Periodic and on-demand runs of the patrol (scheduled in settings: CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from zoufang.campaigns.models import Campaign
from zoufang.patrol.models import PatrolRun
from zoufang.patrol.services.run import patrol_run


@shared_task(
    name="patrol.run", autoretry_for=(OperationalError, InterfaceError), retry_backoff=True
)
def patrol_run_task(run_id: int | None = None) -> dict[str, int]:
    """Run the patrol: the queued run `run_id` ("run now"), or the current campaign's."""
    if run_id is not None:
        run = PatrolRun.objects.select_related("campaign").get(pk=run_id)
        run = patrol_run(campaign=run.campaign, run=run)
        return {"new_flags": run.new_flags}
    campaign = Campaign.objects.current()
    if campaign is None:
        return {"new_flags": 0}
    return {"new_flags": patrol_run(campaign=campaign).new_flags}
