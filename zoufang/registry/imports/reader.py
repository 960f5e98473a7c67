"""Reading an import file: check it (size, kind, not empty), find the header row among the first
rows (title rows above it are skipped) and map its columns through the synonyms. Every file is
read in a child process under memory and time limits (readchild): csv (utf-8 or GBK) by the
standard library; workbooks after their content was inspected (xlsxcheck) — .xls, .ods and
small .xlsx files by python-calamine, large or over-declared .xlsx files by the streaming
reader (xlsxstream), a large one inspected while it is read when the caller asks (`gated`).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from zoufang.registry import normalize as norm
from zoufang.registry.imports.headers import match_header
from zoufang.registry.imports.specs import Column, keeps_extras

HEADER_SCAN_ROWS = 30


class ImportFileError(Exception):
    """The file as a whole cannot be imported; the message says why, for the user."""


@dataclass
class Table:
    header_row: int  # 1-based file row of the header
    mapping: dict[int, str]  # column index -> column key
    rows: Iterator[tuple[int, Sequence[Any]]]  # (file row number, cells) after the header
    unknown_headers: list[str] = field(default_factory=list)
    columns: dict[str, list] = field(default_factory=dict)  # headers.HeaderMatch.report
    header_cells: list[str] = field(default_factory=list)  # the header row as in the file
    inspection: Any = None  # readchild.Inspection of a gated read (see open_table)

    def ready(self) -> None:
        """Wait for the inspection of a gated read: raises ImportFileError if it refused the
        file. Called before anything the rows gave is written."""
        if self.inspection is not None:
            _verdict(self.inspection)


def sniff(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    return "csv"


# Above this size an .xlsx is read by the streaming reader (xlsxstream), which holds one row at a
# time; python-calamine, which reads the whole sheet first, keeps .xls, .ods and small .xlsx
# files (docs/decisions/0003-streaming-xlsx-reader.md).
STREAM_XLSX_ABOVE_BYTES = 2 * 1024 * 1024


def _is_xlsx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return "xl/workbook.xml" in zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def read_limits() -> Any:
    """The reading child's limits (settings REGISTRY_IMPORT_READER_MB, …_SECONDS, …_MAX_ROWS,
    …_MAX_COLUMNS, …_INFLATE_FLOOR_MB; the defaults fit a 1,048,576-row sheet on a small
    server)."""
    from zoufang.registry.imports.readchild import Limits
    from zoufang.registry.imports.xlsxcheck import INFLATE_FLOOR
    from zoufang.registry.imports.xlsxstream import MAX_COLUMNS, MAX_ROWS

    seconds = getattr(settings, "REGISTRY_IMPORT_READER_SECONDS", 900)
    floor_mb = getattr(settings, "REGISTRY_IMPORT_INFLATE_FLOOR_MB", INFLATE_FLOOR >> 20)
    return Limits(
        memory_mb=getattr(settings, "REGISTRY_IMPORT_READER_MB", 1024),
        cpu_seconds=seconds,
        wall_seconds=4 * seconds,
        max_rows=getattr(settings, "REGISTRY_IMPORT_MAX_ROWS", MAX_ROWS),
        max_columns=getattr(settings, "REGISTRY_IMPORT_MAX_COLUMNS", MAX_COLUMNS),
        inflate_floor=floor_mb << 20,
    )


def _child_rows(
    path: Path, mode: str, limits: Any, inspection: Any = None
) -> Iterator[tuple[int, list[Any]]]:
    """The rows of a file, read by a child process (readchild): a file that would take the
    process down takes only the child, and the import fails with a message. With an
    `inspection` running beside the reader ("gated"), a reading error waits for its verdict:
    a refusal says more than the error it caused."""
    from zoufang.registry.imports import readchild

    try:
        try:
            yield from readchild.iter_rows_in_child(str(path), mode, limits, inspection)
        except Exception:
            if inspection is not None:
                inspection.verdict()
            raise
    except Exception as exc:
        raise read_error(exc, limits) from exc


def read_error(exc: BaseException, limits: Any) -> ImportFileError:
    """The message for what reading (or inspecting) a file in a child process raised."""
    import zlib

    from zoufang.registry.imports import readchild, xlsxstream

    if isinstance(exc, ImportFileError):
        return exc
    if isinstance(exc, xlsxstream.Refused):
        return ImportFileError(refusal_message(exc.code, exc.params))
    if isinstance(exc, readchild.ChildDied):
        return ImportFileError(died_message(exc.why, limits))
    if isinstance(exc, readchild.ReadError):
        if exc.kind == "csv":
            return ImportFileError(
                _("This file is not a readable csv file: %(e)s") % {"e": exc.detail}
            )
        if exc.kind in ("binary", "decode"):
            return ImportFileError(_("This file is not a spreadsheet (xlsx or csv)."))
    if isinstance(exc, (xlsxstream.XlsxError, zipfile.BadZipFile, zlib.error, EOFError, OSError)):
        return ImportFileError(_("This file is not a readable spreadsheet (xlsx or csv)."))
    raise exc


def refusal_message(code: str, params: dict[str, Any]) -> str:
    nothing = _("Nothing was imported.")
    if code == "rows":
        text = _(
            "The sheet holds %(rows)s rows; at most %(limit)s are imported from one file. "
            "Split it into smaller files."
        )
    elif code == "columns":
        text = _(
            "The sheet has cells beyond column %(limit)s. Delete the columns the import does "
            "not need (or the stray cells far to the right) and save the file again."
        )
    elif code == "cell":
        text = _("A cell holds more than %(limit)s characters, more than Excel allows.")
    elif code == "inflated":
        params = {"size": params["size"] // (1 << 20), "limit": params["limit"] // (1 << 20)}
        text = _(
            "Unpacked, this file would take more than %(limit)s MB: it is not an ordinary "
            "spreadsheet (a zip bomb?)."
        )
    else:  # "dtd"
        text = _("The file holds XML declarations (DTD / entities) a spreadsheet never has.")
    return f"{text % params} {nothing}"


def died_message(why: str, limits: Any) -> str:
    if why == "time":
        text = _(
            "Reading the file took longer than %(s)s seconds and was stopped. Split the file "
            "or run the job again."
        ) % {"s": limits.cpu_seconds}
    else:
        text = _(
            "Reading the file needed more than %(mb)s MB of memory and was stopped. Save it "
            "again from Excel (it may be damaged) or split it, and run the job again."
        ) % {"mb": limits.memory_mb}
    return text


def is_blank(row: Sequence[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in row)


def _open_rows(path: Path, gated: bool) -> tuple[Iterator[tuple[int, list[Any]]], Any]:
    """The file's rows from a reading child, and the inspection that runs beside it (or None):
    csv files by the csv reader, large .xlsx files by the streaming reader, the other
    workbooks by python-calamine (docs/decisions/0003-streaming-xlsx-reader.md)."""
    from zoufang.registry.imports.readchild import Inspection

    limits = read_limits()
    if sniff(path) == "csv":
        return _child_rows(path, "csv", limits), None
    if not (path.stat().st_size > STREAM_XLSX_ABOVE_BYTES and _is_xlsx(path)):
        return _child_rows(path, "calamine", limits), None
    if not gated:
        return _child_rows(path, "stream", limits), None
    inspection = Inspection(str(path), limits)
    return _child_rows(path, "gated", limits, inspection), inspection


def open_table(path: Path, columns: Sequence[Column], *, gated: bool = False) -> Table:
    """Check the file and find its header; raises ImportFileError with one clear message.

    `gated`: a large .xlsx file is inspected while it is read, not before; the caller must
    call `Table.ready()` before it writes anything the rows gave (imports.jobs does)."""
    if not path.exists() or path.stat().st_size == 0:
        raise ImportFileError(_("The file is empty."))
    limit = settings.REGISTRY_IMPORT_MAX_MB * 1024 * 1024
    if path.stat().st_size > limit:
        raise ImportFileError(
            _("The file is larger than %(mb)s MB; split it into smaller files.")
            % {"mb": settings.REGISTRY_IMPORT_MAX_MB}
        )
    rows, inspection = _open_rows(path, gated)
    required = {c.key for c in columns if c.required}
    extras = keeps_extras(columns)
    seen_any = False
    for number, row in rows:
        if number > HEADER_SCAN_ROWS:
            break
        if is_blank(row):
            continue
        seen_any = True
        found = match_header(row, tuple(columns), extras=extras)
        if required <= set(found.mapping.values()):
            return Table(
                header_row=number,
                mapping=found.mapping,
                rows=rows,
                unknown_headers=found.extra + found.ignored,
                columns=found.report(),
                header_cells=[norm.clean_text(c) for c in row],
                inspection=inspection,
            )
    rows.close()  # type: ignore[attr-defined] - stops the reading child
    if inspection is not None:
        _verdict(inspection)
    if not seen_any:
        raise ImportFileError(_("The file is empty."))
    labels = "、".join(c.label for c in columns if c.required)
    raise ImportFileError(
        _(
            "No header row found in the first %(n)s rows. The header must name at least "
            "these columns: %(labels)s. Download the template to see all columns."
        )
        % {"n": HEADER_SCAN_ROWS, "labels": labels}
    )


def _verdict(inspection: Any) -> None:
    try:
        inspection.verdict()
    except Exception as exc:
        raise read_error(exc, read_limits()) from exc
