"""Periodic work of supervision (scheduled in settings: CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from zoufang.campaigns.models import Campaign
from zoufang.supervision.services.scores import snapshot_take


@shared_task(name="supervision.snapshot_scores", autoretry_for=(OSError,), retry_backoff=True)
def snapshot_scores_task(campaign_id: int | None = None) -> int:
    """Today's score snapshot of the current campaign (or the one given): the ranking trend."""
    campaign = (
        Campaign.objects.filter(pk=campaign_id).first()
        if campaign_id
        else Campaign.objects.current()
    )
    if campaign is None:
        return 0
    return snapshot_take(campaign)
