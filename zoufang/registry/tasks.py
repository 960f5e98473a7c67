"""Background jobs of the registry: an import runs here (in-process when Celery is eager)."""

from __future__ import annotations

from celery import shared_task

from zoufang.registry.models import ImportJob


@shared_task(acks_late=True)
def import_run_task(job_id: int) -> str:
    from zoufang.registry.imports.jobs import import_job_run

    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return "missing"
    return import_job_run(job=job).status
