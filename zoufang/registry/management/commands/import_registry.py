"""python manage.py import_registry FILE --unit CODE [--kind household|shop|enterprise|key_person|key_item]
[--dry-run]; python manage.py import_registry --job ID runs a stored job (the import page starts
this in a child process when Celery is eager)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zoufang.org.models import Unit
from zoufang.registry.imports import jobs
from zoufang.registry.imports.specs import SPECS
from zoufang.registry.models import ImportJob


class Command(BaseCommand):
    help = (
        "Import a registry spreadsheet (xlsx or csv) into a unit, the same way as the import "
        "page; prints the counts and writes the rejected rows next to the file. Safe to re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, nargs="?")
        parser.add_argument("--unit", help="code of the beat (or station/county)")
        parser.add_argument("--job", type=int, help="run this stored import job")
        parser.add_argument("--kind", default="household", choices=sorted(SPECS))
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")

    def handle(
        self,
        *args: Any,
        file: Path | None,
        unit: str | None,
        kind: str,
        dry_run: bool,
        job: int | None = None,
        **opts: Any,
    ) -> None:
        if job is not None:
            self._run_stored(job)
            return
        if file is None or not unit:
            raise CommandError("give a FILE and --unit, or --job ID")
        if not file.exists():
            raise CommandError(f"{file} does not exist")
        target = Unit.objects.filter(code=unit).first()
        if target is None:
            raise CommandError(f"no unit with code {unit}")
        created = jobs.import_job_create(
            user=None, unit=target, kind=kind, path=file.resolve(), dry_run=dry_run, enqueue=False
        )
        job = jobs.import_job_run(job=created)
        if job.status == ImportJob.Status.FAILED:
            raise CommandError(job.error)
        report = file.with_name(f"{file.stem}.rejected.xlsx")
        if job.rejected:
            jobs.import_write_report(job, report)
        prefix = "dry run: " if dry_run else ""
        self.stdout.write(
            f"{prefix}{job.accepted} accepted, {job.rejected} rejected "
            f"({job.created} new, {job.updated} changed, {job.unchanged} unchanged)"
            + (f"; rejected rows in {report}" if job.rejected else "")
        )
        if job.columns:
            read = job.columns
            self.stdout.write(
                f"columns: {len(read['recognised'])} recognised, "
                f"{len(read['extra'])} kept as extra fields ({'、'.join(read['extra']) or '-'}), "
                f"{len(read['ignored'])} ignored ({'、'.join(read['ignored']) or '-'})"
            )

    def _run_stored(self, job_id: int) -> None:
        from django.utils import timezone

        stored = ImportJob.objects.filter(pk=job_id).first()
        if stored is None:
            raise CommandError(f"no import job {job_id}")
        try:
            stored = jobs.import_job_run(job=stored)
        except Exception as exc:  # the job must not stay "running": it fails and can be retried
            ImportJob.objects.filter(pk=job_id).update(
                status=ImportJob.Status.FAILED, error=str(exc)[:500], finished_at=timezone.now()
            )
            raise
        self.stdout.write(f"job {job_id}: {stored.status}")
