"""Background jobs of the registry: an import runs here — as a Celery task on a worker, or,
in the embedded default (eager Celery, no worker), in a child process that the web request
only starts (`start_import`): the request returns at once, the progress bar follows the job's
row, and a file that takes the child down leaves the web process standing."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from urllib.parse import quote

from celery import shared_task
from django.conf import settings
from django.db import connection

from zoufang.registry.models import ImportJob

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def import_run_task(job_id: int) -> str:
    from zoufang.registry.imports.jobs import import_job_run

    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return "missing"
    return import_job_run(job=job).status


def _database_url() -> str | None:
    """The database this process uses, as DATABASE_URL for a child (None: a child cannot
    reach it, e.g. an in-memory SQLite database)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(s["NAME"])
        return (
            None if not name or ":memory:" in name or "mode=memory" in name else f"sqlite:///{name}"
        )
    if connection.vendor != "postgresql":
        return None
    auth = quote(s.get("USER") or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = s.get("HOST") or "127.0.0.1"
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{quote(s['NAME'], safe='')}"


def in_child_process() -> bool:
    """Eager Celery runs an import in a child process unless REGISTRY_IMPORT_IN_CHILD is False
    (the registry's tests run it in-process, inside their transaction)."""
    wanted = getattr(settings, "REGISTRY_IMPORT_IN_CHILD", None)
    if wanted is None:
        wanted = bool(getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False))
    return bool(wanted) and _database_url() is not None


def start_import(job_id: int) -> None:
    """Start an import job: a Celery task, or a child process (`import_registry --job`)."""
    if not in_child_process():
        import_run_task.delay(job_id)
        return
    env = os.environ.copy()
    env["DATABASE_URL"] = _database_url() or ""
    env.setdefault("DJANGO_SETTINGS_MODULE", os.environ.get("DJANGO_SETTINGS_MODULE", ""))
    manage = str(settings.BASE_DIR / "manage.py")
    child = subprocess.Popen(  # noqa: S603 - our interpreter running our own command # nosec B603
        [sys.executable, manage, "import_registry", "--job", str(job_id)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    logger.info("registry import started in a child process", extra={"job": job_id})
    # Reaped when it ends, so that no zombie is left behind in the web process; a child killed
    # from outside (out of memory, SIGKILL) cannot mark its own job failed, so this does.
    threading.Thread(
        target=_reap, args=(job_id, child), name=f"registry-import-{job_id}", daemon=True
    ).start()


def _reap(job_id: int, child: subprocess.Popen) -> None:
    """In the reaping thread: wait for the child, then close this thread's connection."""
    from django.db import connections

    try:
        child_ended(job_id, child.wait())
    finally:
        connections.close_all()


def child_ended(job_id: int, returncode: int) -> bool:
    """After an import's child process: a job it left queued or running fails with a message
    and can be run again. Returns whether the job was marked failed."""
    from django.utils import timezone
    from django.utils.translation import gettext as _

    if returncode == 0:
        return False
    marked = ImportJob.objects.filter(
        pk=job_id, status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]
    ).update(
        status=ImportJob.Status.FAILED,
        error=_(
            "The import process ended unexpectedly (exit code %(code)s). "
            "Rows already committed stay; run the import again to finish it."
        )
        % {"code": returncode},
        finished_at=timezone.now(),
    )
    return bool(marked)
