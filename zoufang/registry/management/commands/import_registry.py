"""python manage.py import_registry FILE --unit CODE [--kind household|shop|enterprise|key_person|key_item]
[--dry-run]"""

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
        parser.add_argument("file", type=Path)
        parser.add_argument("--unit", required=True, help="code of the beat (or station/county)")
        parser.add_argument("--kind", default="household", choices=sorted(SPECS))
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")

    def handle(
        self, *args: Any, file: Path, unit: str, kind: str, dry_run: bool, **opts: Any
    ) -> None:
        if not file.exists():
            raise CommandError(f"{file} does not exist")
        target = Unit.objects.filter(code=unit).first()
        if target is None:
            raise CommandError(f"no unit with code {unit}")
        job = jobs.import_job_create(
            user=None, unit=target, kind=kind, path=file.resolve(), dry_run=dry_run, enqueue=False
        )
        job = jobs.import_job_run(job=job)
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
