"""Reading an import file: check it (size, kind, not empty), find the header row among the first
rows (title rows above it are skipped) and map its columns through the synonyms. csv (utf-8 or
GBK) by the standard library; .xls, .ods and small .xlsx files by python-calamine; large .xlsx
files by the streaming reader in a child process (xlsxstream).
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

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


def sniff(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    return "csv"


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    with path.open("rb") as fh:
        sample = fh.read(65536)
    if b"\x00" in sample:
        raise ImportFileError(_("This file is not a spreadsheet (xlsx or csv)."))
    encoding = "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        encoding = "gb18030"  # Excel on a Chinese Windows saves csv in GBK
    with path.open(encoding=encoding, newline="") as fh:
        try:
            dialect = csv.Sniffer().sniff(fh.read(8192), delimiters=",\t;")
        except csv.Error:
            dialect = csv.excel
        fh.seek(0)
        yield from enumerate(csv.reader(fh, dialect), start=1)


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


def _excel_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    if path.stat().st_size > STREAM_XLSX_ABOVE_BYTES and _is_xlsx(path):
        yield from _streamed_xlsx_rows(path)
        return
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
    except (CalamineError, zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ImportFileError(_("This file is not a readable spreadsheet (xlsx or csv).")) from exc
    start = sheet.start[0] if sheet.start else 0
    for offset, row in enumerate(sheet.iter_rows()):
        yield start + offset + 1, row


def _streamed_xlsx_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    import zlib

    from zoufang.registry.imports import xlsxstream

    try:
        yield from xlsxstream.iter_rows_in_child(str(path))
    except (xlsxstream.XlsxError, zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise ImportFileError(_("This file is not a readable spreadsheet (xlsx or csv).")) from exc


def is_blank(row: Sequence[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in row)


def open_table(path: Path, columns: Sequence[Column]) -> Table:
    """Check the file and find its header; raises ImportFileError with one clear message."""
    if not path.exists() or path.stat().st_size == 0:
        raise ImportFileError(_("The file is empty."))
    limit = settings.REGISTRY_IMPORT_MAX_MB * 1024 * 1024
    if path.stat().st_size > limit:
        raise ImportFileError(
            _("The file is larger than %(mb)s MB; split it into smaller files.")
            % {"mb": settings.REGISTRY_IMPORT_MAX_MB}
        )
    kind = sniff(path)
    rows = _csv_rows(path) if kind == "csv" else _excel_rows(path)
    try:
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
                unknown = found.extra + found.ignored
                return Table(number, found.mapping, rows, unknown, found.report())
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("This file is not a spreadsheet (xlsx or csv).")) from exc
    except csv.Error as exc:
        raise ImportFileError(
            _("This file is not a readable csv file: %(e)s") % {"e": exc}
        ) from exc
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
