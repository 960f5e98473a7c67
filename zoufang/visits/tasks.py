"""Celery tasks of the big visit: the registry update after a visit's commit, its sweep, and
housekeeping. Each takes IDs and calls a service; retries live here.

A visit's registry update is queued when it commits, but not one message per visit: each web
process gathers the visits committed within `VISITS_REGISTRY_BATCH_MS` (default 500 ms)
and sends their ids in one `visits.apply_registry_many` message (`registry_apply_soon`).
Publishing a message took about 15% of a submission's CPU in the web process (profiled
2026-12-01), and the worker pays a task's overhead once per batch. Each visit is still applied once (the service locks and checks
it), and the sweep applies whatever a lost message or a killed process left pending."""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import threading
from collections.abc import Callable

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from zoufang.visits import services
from zoufang.visits.models import VisitPhoto

logger = logging.getLogger(__name__)

# A photo sent ahead of its visit waits this long for the visit to arrive.
PENDING_PHOTO_TTL = dt.timedelta(days=3)
# The sweep leaves younger visits to the queue (applying twice is harmless, only wasteful).
REGISTRY_SWEEP_AFTER = dt.timedelta(minutes=10)
# A registry update meets a database that is restarting or failing over: retried with backoff.
RETRY_ON_DATABASE_ERRORS = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "retry_backoff_max": 300,
    "max_retries": 10,
}


@shared_task(name="visits.apply_registry", **RETRY_ON_DATABASE_ERRORS)
def visit_registry_apply_task(visit_id: int) -> bool:
    """What a committed visit's form learnt, into the registry (once; see the service)."""
    return services.visit_registry_apply(visit_id=visit_id)


@shared_task(name="visits.apply_registry_many", **RETRY_ON_DATABASE_ERRORS)
def visit_registry_apply_many_task(visit_ids: list[int]) -> int:
    """The registry updates of several committed visits, each in its own transaction, once
    each (a retry skips those already applied). Returns how many this run applied."""
    return sum(services.visit_registry_apply(visit_id=pk) for pk in visit_ids)


class Outbox:
    """Visit ids waiting, in this process, for their registry update to be queued: the first
    id starts a timer, and when it fires every id gathered so far goes out in one call of
    `send`. Thread-safe (gunicorn threads share it); a forked child starts empty."""

    def __init__(self, send: Callable[[list[int]], object], window: float) -> None:
        self.send, self.window = send, window
        self._lock = threading.Lock()
        self._ids: list[int] = []
        self._timer: threading.Timer | None = None
        self._pid = os.getpid()

    def add(self, visit_id: int) -> None:
        with self._lock:
            if self._pid != os.getpid():  # forked: the parent's ids and timer are not ours
                self._ids, self._timer, self._pid = [], None, os.getpid()
            self._ids.append(visit_id)
            if self._timer is None:
                self._timer = threading.Timer(self.window, self.flush)
                self._timer.daemon = True
                self._timer.start()

    def flush(self) -> None:
        with self._lock:
            ids, self._ids, self._timer = self._ids, [], None
        if not ids:
            return
        try:
            self.send(ids)
        except Exception:
            # The broker is down: the sweep applies these visits later.
            logger.exception("visit registry updates not queued", extra={"visits": len(ids)})


_outbox = Outbox(lambda ids: visit_registry_apply_many_task.delay(ids), window=0.5)
atexit.register(_outbox.flush)  # a process that stops sends what it gathered


def registry_apply_soon(visit_id: int) -> None:
    """Queue the registry update of a committed visit. With eager Celery (no broker) it runs
    here and now, as before; otherwise it joins this process's next batch."""
    window = getattr(settings, "VISITS_REGISTRY_BATCH_MS", 500) / 1000
    if visit_registry_apply_task.app.conf.task_always_eager or window <= 0:
        visit_registry_apply_task.delay(visit_id)
        return
    _outbox.window = window
    _outbox.add(visit_id)


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
