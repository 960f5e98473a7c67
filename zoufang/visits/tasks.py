"""Celery tasks of the big visit: housekeeping only (the work itself is in services)."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.utils import timezone

from zoufang.visits.models import VisitPhoto

logger = logging.getLogger(__name__)

# A photo sent ahead of its visit waits this long for the visit to arrive.
PENDING_PHOTO_TTL = dt.timedelta(days=3)


@shared_task
def photos_prune_orphans() -> int:
    """Delete photos whose visit never arrived (an abandoned form, a phone reset)."""
    stale = VisitPhoto.objects.filter(
        visit__isnull=True, created_at__lt=timezone.now() - PENDING_PHOTO_TTL
    )
    count = 0
    for photo in stale.iterator():
        photo.image.delete(save=False)
        photo.delete()
        count += 1
    if count:
        logger.info("orphan visit photos pruned", extra={"photos": count})
    return count
