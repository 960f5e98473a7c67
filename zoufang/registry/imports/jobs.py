"""Import jobs: a file stored and queued (`import_job_create`), then run to the end
(`import_job_run`, in the Celery task registry.tasks.import_run_task): a reader thread reads
and prepares the rows into batches (`_produce`) while this thread loads each batch in its own
transaction (`_run_batches`) through the kind's staging loader. The rejected rows are kept
per job and downloadable as a report.
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from zoufang.core.scope import user_scope
from zoufang.core.xlsx import write_xlsx
from zoufang.org.models import Unit
from zoufang.registry.access import may_import
from zoufang.registry.imports import reasons, report
from zoufang.registry.imports.keyrecords import KeyRecordLoader
from zoufang.registry.imports.places import PlaceLoader
from zoufang.registry.imports.reader import ImportFileError, Table, is_blank, open_table, sniff
from zoufang.registry.imports.rows import Context
from zoufang.registry.imports.specs import SPECS, Rejection, Spec
from zoufang.registry.imports.staging import Staged
from zoufang.registry.models import ImportJob, ImportRejection

if TYPE_CHECKING:
    from zoufang.org.models import User

logger = logging.getLogger(__name__)

BATCH_ROWS = 20_000
FIRST_BATCH_ROWS = 2_500
# A dry run keeps this many rejected rows (with counts by reason for all of them).
DRY_RUN_SAMPLE = 1_000
# A file stops early when more than this share of its rows is rejected, once this many were read.
EARLY_STOP_SHARE = 0.5
EARLY_STOP_AFTER = 1_000


def _import_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "registry_imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


@transaction.atomic
def import_job_create(
    *,
    user: User | None,
    unit: Unit,
    kind: str,
    upload: Any = None,
    path: Path | None = None,
    dry_run: bool = False,
    enqueue: bool = True,
) -> ImportJob:
    """Store the file and queue the job (Celery; in-process when eager). `user` None is the
    command line, which may import anywhere."""
    if kind not in SPECS:
        raise ValidationError({"kind": _("Unknown kind of import.")})
    if user is not None and not may_import(user, unit):
        raise PermissionDenied(_("You may import only into your own jurisdiction."))
    if user is not None and not may_import(user, unit, kind):
        raise PermissionDenied(_("Your role may not import key persons."))
    folder = _import_dir() / uuid.uuid4().hex
    folder.mkdir()
    if upload is not None:
        name = Path(upload.name).name or "import"
        target = folder / name
        with target.open("wb") as fh:
            for chunk in upload.chunks():
                fh.write(chunk)
    else:
        assert path is not None  # noqa: S101 - programming error, not input # nosec B101
        name = path.name
        target = path
    job = ImportJob.objects.create(
        kind=kind,
        unit=unit,
        unit_path=unit.path,
        created_by=user,
        file_path=str(target),
        file_name=name[:255],
        dry_run=dry_run,
    )
    if enqueue:
        from zoufang.registry.tasks import start_import

        transaction.on_commit(lambda: start_import(job.pk))
    return job


def _scope_path(job: ImportJob) -> str:
    user = job.created_by
    if user is None:
        return job.unit_path
    scope = user_scope(user)
    if scope.everything:
        return job.unit_path
    if scope.path is None:
        return "\x00"  # sees nothing: every row is outside
    return job.unit_path if job.unit_path.startswith(scope.path) else scope.path


def _count_rows(path: Path) -> int:
    """A fast estimate of the data rows, for the progress bar."""
    if sniff(path) == "csv":
        with path.open("rb") as fh:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    return 0


def import_job_run(*, job: ImportJob) -> ImportJob:
    """Run an import job to the end. Each batch commits on its own (except a dry run, which
    rolls everything back); a failure stops the job and records how far it got."""
    if job.finished and job.status == ImportJob.Status.DONE:
        return job
    ImportRejection.objects.filter(job=job).delete()  # a retry reports afresh
    spec = SPECS[job.kind]
    job.status, job.started_at, job.error = ImportJob.Status.RUNNING, timezone.now(), ""
    job.accepted = job.rejected = job.created = job.updated = job.unchanged = 0
    job.processed_rows = job.committed_through_row = 0
    job.reason_counts, job.reason_codes = {}, {}
    job.save()
    path = Path(job.file_path)
    scope_path = _scope_path(job)
    try:
        table = open_table(path, spec.columns, gated=True)
    except ImportFileError as exc:
        job.status, job.error, job.finished_at = ImportJob.Status.FAILED, str(exc), timezone.now()
        job.save()
        return job
    job.total_rows = max(0, _count_rows(path) - table.header_row)
    job.columns = table.columns
    job.header, job.reason_counts = table.header_cells, {}
    job.save(update_fields=["total_rows", "columns", "header", "reason_counts", "updated_at"])
    ctx = Context(job.unit, scope_path)
    # Key persons and key items attach to stored persons and places: their own loader.
    loader_class = KeyRecordLoader if job.kind in KeyRecordLoader.kinds else PlaceLoader
    loader = loader_class(spec, job_id=job.pk, actor_id=job.created_by_id, scope_path=scope_path)
    kept_rejections: list[Rejection] = []
    loader.setup()
    try:
        if job.dry_run:
            with transaction.atomic(), reasons.capture(translation.get_language()):
                _run_batches(job, table, spec, ctx, loader, kept_rejections)
                transaction.set_rollback(True)
            _store_kept(job, path, spec, kept_rejections)
        else:
            with reasons.capture(translation.get_language()):
                _run_batches(job, table, spec, ctx, loader, None)
            _fill_cells(job, path, spec, None)
    except ImportFileError as exc:  # the inspection refused the file: nothing was written
        job.status, job.error = ImportJob.Status.FAILED, str(exc)
    except _BatchFailed as failed:
        job.status = ImportJob.Status.FAILED
        job.error = _(
            "The import stopped at rows %(first)s–%(last)s: %(error)s. Rows up to %(done)s are "
            "in the registry; nothing from row %(first)s on was written. Fix the problem and "
            "run the job again: rows already imported are not duplicated."
        ) % {
            "first": failed.first,
            "last": failed.last,
            "error": failed.reason,
            "done": job.committed_through_row or table.header_row,
        }
        if job.dry_run:
            job.error = _("The dry run failed: %(error)s") % {"error": failed.reason}
    except _EarlyStop:
        job.status = ImportJob.Status.FAILED
        job.error = _early_stop_message(job)
        if job.dry_run:
            _store_kept(job, path, spec, kept_rejections)
    else:
        job.status = ImportJob.Status.DONE
        job.total_rows = job.processed_rows
    finally:
        loader.teardown()
    job.finished_at = timezone.now()
    job.save()
    logger.info(
        "registry import finished",
        extra={"job": job.pk, "status": job.status, "accepted": job.accepted},
    )
    return job


def _store_kept(job: ImportJob, path: Path, spec: Spec, kept: list[Rejection]) -> None:
    _fill_cells(job, path, spec, kept)
    ImportRejection.objects.bulk_create(_rejection_rows(job, kept), batch_size=2_000)


class _EarlyStop(Exception):
    """More than half the rows read so far were rejected: not this beat's roster."""


def _early_stop_message(job: ImportJob) -> str:
    top = sorted(job.reason_counts.items(), key=lambda kv: -kv[1])[:3]
    reasons = "；".join(f"{n} × {reason}" for reason, n in top)
    return _(
        "This file does not look like a roster for this beat: %(rejected)s of the first "
        "%(read)s rows were rejected, so the import stopped (rows up to %(done)s are in the "
        "registry). The first reasons: %(reasons)s"
    ) % {
        "rejected": job.rejected,
        "read": job.processed_rows,
        "done": job.committed_through_row if not job.dry_run else 0,
        "reasons": reasons,
    }


class _BatchFailed(Exception):
    def __init__(self, first: int, last: int, reason: str) -> None:
        super().__init__(reason)
        self.first, self.last, self.reason = first, last, reason


def _rejection_rows(job: ImportJob, items: list[Rejection]) -> list[ImportRejection]:
    rows = []
    for r in items:
        msgid, params = reasons.stored(r.reason)
        rows.append(
            ImportRejection(
                job=job,
                row=r.row,
                column=r.column[:50],
                value=r.value,
                reason=r.reason[:255],
                reason_msgid=msgid,
                reason_params=params,
                cells=getattr(r, "cells", None),
            )
        )
    return rows


def _cells_of_rows(path: Path, spec: Spec, numbers: set[int]) -> dict[int, list[Any]]:
    """The cells of rows the loader rejected (a duplicate, a record outside the jurisdiction),
    by one more pass over the file once the job has run: the rows a batch loads are not kept
    on the hot path for the few the loader refuses."""
    if not numbers:
        return {}
    found: dict[int, list[Any]] = {}
    try:
        table = open_table(path, spec.columns)
        personal = report.personal_indexes(table.mapping)
        last = max(numbers)
        for number, cells in table.rows:
            if number in numbers:
                found[number] = report.seal_cells(cells, personal)
            if number >= last:
                break
    except ImportFileError:
        logger.warning("registry import: the report's cells could not be read again")
    return found


def _fill_cells(job: ImportJob, path: Path, spec: Spec, kept: list[Rejection] | None) -> None:
    """Give the loader's rejections their cells: the dry run's kept sample, or the stored rows."""
    if kept is not None:
        missing = [r for r in kept if getattr(r, "cells", None) is None]
        found = _cells_of_rows(path, spec, {r.row for r in missing})
        for r in missing:
            r.cells = found.get(r.row)  # type: ignore[attr-defined]
        return
    stored = job.rejections.filter(cells__isnull=True)
    found = _cells_of_rows(path, spec, set(stored.values_list("row", flat=True)))
    numbers = sorted(found)
    for i in range(0, len(numbers), 1000):
        objs = list(stored.filter(row__in=numbers[i : i + 1000]))
        for obj in objs:
            obj.cells = found[obj.row]
        ImportRejection.objects.bulk_update(objs, ["cells"], batch_size=1000)


@dataclass
class _Chunk:
    staged: Staged
    problems: list[Rejection]
    rejected_rows: set[int]
    first: int
    last: int
    processed: int


def _produce(
    table: Table,
    spec: Spec,
    ctx: Context,
    out: queue.Queue,
    stop: threading.Event,
    language: str | None,
    stage_rows: Callable[[list[tuple]], Staged],
) -> None:
    """Read and prepare rows (pure Python, no database) into batches on `out`, so that the
    next batch is prepared while the database loads the previous one."""
    with reasons.capture(language):  # each reason's msgid kept beside its text
        _produce_rows(table, spec, ctx, out, stop, stage_rows)


def _produce_rows(
    table: Table,
    spec: Spec,
    ctx: Context,
    out: queue.Queue,
    stop: threading.Event,
    stage_rows: Callable[[list[tuple]], Staged],
) -> None:
    def put(item: object) -> None:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.5)
            except queue.Full:
                continue
            return

    try:
        batch: list[tuple] = []
        problems: list[Rejection] = []
        rejected: set[int] = set()
        personal = report.personal_indexes(table.mapping)
        first = processed = previous = 0
        last = table.header_row
        mapping = table.mapping
        # The first batches are small, so that the database starts loading while the rest
        # of the file is read; then they double up to BATCH_ROWS.
        limit = min(FIRST_BATCH_ROWS, BATCH_ROWS)
        for number, cells in table.rows:
            if stop.is_set():
                return
            last = number
            if is_blank(cells):
                continue
            staged, bad = spec.prepare(ctx, number, cells, mapping)
            size = len(batch) + len(rejected)
            # A full batch is handed over at the next change of address, so that the rows of
            # one dwelling (usually together in a file) land in the same batch; a batch never
            # grows past twice the size.
            if size >= limit and (
                size >= 2 * limit or (staged is not None and batch and staged[3] != batch[-1][3])
            ):
                put(_Chunk(stage_rows(batch), problems, rejected, first, previous, processed))
                batch, problems, rejected, first, processed = [], [], set(), 0, 0
                limit = min(2 * limit, BATCH_ROWS)
            if not first:
                first = number
            processed += 1
            previous = number
            if bad:
                sealed = report.seal_cells(cells, personal)  # the report gives the row back
                for r in bad:
                    r.cells = sealed  # type: ignore[attr-defined]
                problems.extend(bad)
                rejected.add(number)
            else:
                batch.append(staged)
        if batch or problems:
            put(_Chunk(stage_rows(batch), problems, rejected, first, last, processed))
        put(None)
    except OSError as exc:
        put(ImportFileError(str(exc)))
    except BaseException as exc:  # handed to the consumer thread, which raises it
        put(exc)


def _run_batches(
    job: ImportJob,
    table: Table,
    spec: Spec,
    ctx: Context,
    loader: PlaceLoader | KeyRecordLoader,
    kept: list[Rejection] | None,
) -> None:
    def flush(chunk: _Chunk) -> None:
        table.ready()  # a file inspected while it is read: nothing is written before it passed
        try:
            with transaction.atomic():
                result = loader.load_batch(chunk.staged, now=timezone.now())
                rows = chunk.problems + result.rejections
                if kept is None:
                    ImportRejection.objects.bulk_create(
                        _rejection_rows(job, rows), batch_size=2_000
                    )
                else:  # a dry run keeps a sample; the counts below cover every row
                    kept.extend(rows[: max(0, DRY_RUN_SAMPLE - len(kept))])
        except DatabaseError as exc:
            logger.exception("registry import batch failed", extra={"job": job.pk})
            first = chunk.first or chunk.last
            raise _BatchFailed(first, chunk.last, str(exc).splitlines()[0][:300]) from exc
        job.processed_rows += chunk.processed
        job.accepted += chunk.staged.count - len(result.rejections)
        job.rejected += len(chunk.rejected_rows) + len({r.row for r in result.rejections})
        job.created += result.created
        job.updated += result.updated
        job.unchanged += result.unchanged
        job.committed_through_row = chunk.last
        for r in rows:
            job.reason_counts[r.reason] = job.reason_counts.get(r.reason, 0) + 1
            msgid, params = reasons.stored(r.reason)
            if msgid and r.reason not in job.reason_codes:
                job.reason_codes[r.reason] = [msgid, params]
        if kept is None:
            ImportJob.objects.filter(pk=job.pk).update(
                processed_rows=job.processed_rows,
                accepted=job.accepted,
                rejected=job.rejected,
                created=job.created,
                updated=job.updated,
                unchanged=job.unchanged,
                committed_through_row=chunk.last,
                reason_counts=job.reason_counts,
                reason_codes=job.reason_codes,
            )
        if (
            job.processed_rows >= EARLY_STOP_AFTER
            and job.rejected > EARLY_STOP_SHARE * job.processed_rows
        ):
            raise _EarlyStop

    chunks: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()
    producer = threading.Thread(
        target=_produce,
        args=(table, spec, ctx, chunks, stop, translation.get_language(), loader.stage_rows),
        name="registry-import-read",
    )
    producer.start()
    try:
        while (chunk := chunks.get()) is not None:
            if isinstance(chunk, BaseException):
                table.ready()  # a refusal says more than the reading error it caused
            if isinstance(chunk, ImportFileError):
                raise _BatchFailed(
                    job.committed_through_row + 1, job.committed_through_row + 1, str(chunk)
                )
            if isinstance(chunk, BaseException):
                raise chunk
            flush(chunk)
        table.ready()
    finally:
        stop.set()
        producer.join()


def import_report_headers(job: ImportJob) -> list[str]:
    return report.report_headers(job.header)


def import_report_rows(job: ImportJob, *, full: bool) -> Iterator[list[Any]]:
    """The rejected rows as they were in the file, with the reason and the column; personal
    cells in full only when `full` (the reader may see full values)."""
    rejections = job.rejections.order_by("row", "id").iterator(chunk_size=2000)
    return report.report_rows(rejections, len(job.header), full=full)


def import_write_report(job: ImportJob, target: Path, *, full: bool = True) -> Path:
    with target.open("wb") as fh:
        write_xlsx(
            fh, import_report_headers(job), import_report_rows(job, full=full), sheet="未导入的行"
        )
    return target


def import_job_retry(*, job: ImportJob) -> ImportJob:
    """Run a failed job again (idempotent: rows that made it are not duplicated)."""
    from zoufang.registry.tasks import start_import

    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)
    transaction.on_commit(lambda: start_import(job.pk))
    return job
