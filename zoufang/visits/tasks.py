"""Celery tasks of the big visit: the registry update after a visit's commit, its sweep, and
housekeeping. Each takes IDs and calls a service; retries live here."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from zoufang.visits import services
from zoufang.visits.models import VisitPhoto

logger = logging.getLogger(__name__)

# A photo sent ahead of its visit waits this long for the visit to arrive.
PENDING_PHOTO_TTL = dt.timedelta(days=3)
# The sweep leaves younger visits to the queue (applying twice is harmless, only wasteful).
REGISTRY_SWEEP_AFTER = dt.timedelta(minutes=10)


@shared_task(
    name="visits.apply_registry",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=300,
    max_retries=10,
)
def visit_registry_apply_task(visit_id: int) -> bool:
    """What a committed visit's form learnt, into the registry (once; see the service)."""
    return services.visit_registry_apply(visit_id=visit_id)


@shared_task(name="visits.sweep_registry")
def visit_registry_sweep_task() -> int:
    """Apply the registry updates whose message never ran (broker lost it, worker down)."""
    return services.visit_registry_sweep(older_than=REGISTRY_SWEEP_AFTER)


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
