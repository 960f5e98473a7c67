"""What a workbook holds, checked before its rows are used (issue 10, item 5).

A sheet's declared size (<dimension>) is never trusted: real exports over-declare it and a
hostile one declares A1:XFD1048576, which makes calamine allocate for every cell. So the parts
are checked by what they hold: declared (ZipInfo) and actually inflated sizes, the rows and
columns the sheet really has (counted cell by cell in rows whose cells carry no reference),
the longest cell text, and no DTD or entity declarations. Everything streams in 1 MB chunks;
nothing grows with the file. No Django here: the reading child (readchild) runs it.

The decompression rule (docs/decisions/0008-decompression-floor.md): a workbook is refused
when its parts inflate to more than max(50 × the file, a floor of 100 MB) or more than 1 GB.
"""

from __future__ import annotations

import os
import re
import zipfile

from zoufang.registry.imports.xlsxstream import (
    _CHUNK,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_ROWS,
    Refused,
    XlsxError,
    _column_index,
    _first_sheet,
)

MAX_INFLATED = 1 << 30
MAX_RATIO = 50
INFLATE_FLOOR = 100 << 20
# A cell reference beyond column 200 (GR): GS…GZ, H…Z with a second letter, or three letters.
# (Searched as ` r="` and the letters: a literal first, which the regex engine scans fast.)
_WIDE_CELL = re.compile(rb' r="(?:G[S-Z]|[H-Z][A-Z]|[A-Z]{3,})\d')
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)
_ROW_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?row>")
_CELL_OPEN = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s>/]")


def inflate_budget(file_size: int, floor: int = INFLATE_FLOOR) -> int:
    """How many bytes a workbook of `file_size` bytes may inflate to."""
    return min(MAX_INFLATED, max(MAX_RATIO * max(file_size, 1), floor))


def inspect(
    path: str,
    *,
    max_rows: int = MAX_ROWS,
    max_columns: int = MAX_COLUMNS,
    inflate_floor: int = INFLATE_FLOOR,
) -> bool:
    """Refuse (raise Refused) a workbook whose content is beyond the limits; for a zip only.
    Returns whether the sheet declares more than it holds (then calamine, which allocates by
    the declaration, must not read it)."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise XlsxError("not a zip") from exc
    with zf:
        infos = zf.infolist()
        budget = inflate_budget(os.path.getsize(path), inflate_floor)
        declared = sum(i.file_size for i in infos)
        if declared > budget:
            raise Refused("inflated", size=declared, limit=budget)
        sheet = _first_sheet(zf)[0] if "xl/workbook.xml" in zf.namelist() else None
        inflated = 0
        over_declared = False
        for info in infos:
            if info.is_dir() or not info.filename.endswith((".xml", ".rels", ".vml")):
                continue
            scan = _Scan(max_columns if info.filename == sheet else None)
            inflated += scan.part(zf, info.filename, budget - inflated)
            if info.filename == sheet:
                if scan.rows > max_rows:
                    raise Refused("rows", rows=scan.rows, limit=max_rows)
                if scan.wide:
                    raise Refused("columns", limit=max_columns)
                over_declared = _declares_more(zf, sheet, scan.rows, max_columns)
        return over_declared


_DIMENSION_BYTES = re.compile(
    rb'<(?:[A-Za-z_][\w.-]*:)?dimension\b[^>]*?\bref="[A-Z]+\d+:([A-Z]+)(\d+)"'
)


def _declares_more(zf: zipfile.ZipFile, sheet: str, rows: int, max_columns: int) -> bool:
    with zf.open(sheet) as fh:
        head = fh.read(65536)
    found = _DIMENSION_BYTES.search(head)
    if not found:
        return False
    columns = _column_index(found.group(1).decode()) + 1
    return columns > max_columns or int(found.group(2)) > 2 * rows + 100


class _Scan:
    """One part inflated in chunks, counting: its size (against a budget, whatever the zip
    header declared), DTDs, the longest run of text between two tags, and for the sheet
    (`max_columns` given) its rows and whether any cell lies beyond the column limit. Only
    byte counts and searches that run at C speed on the common case."""

    def __init__(self, max_columns: int | None) -> None:
        self.max_columns = max_columns
        self.rows = 0
        self.wide = False
        self.open_cells = 0  # cells so far of a row without references still open

    def part(self, zf: zipfile.ZipFile, name: str, budget: int) -> int:
        size = run = 0  # run: bytes since the last "<", carried across chunks
        tail = b""
        is_sheet = self.max_columns is not None
        with zf.open(name) as fh:
            while chunk := fh.read(_CHUNK):
                size += len(chunk)
                if size > budget:
                    raise Refused("inflated", size=size, limit=budget)
                window = tail + chunk
                if b"<!" in window and _DTD.search(window):
                    raise Refused("dtd")
                run = _text_run(chunk, run)
                if is_sheet:
                    # Tags cut by the chunk's end are counted in the next window, and only there.
                    cut = window.rfind(b"<")
                    body, tail = (window[:cut], window[cut:]) if cut >= 0 else (window, b"")
                    self._sheet(body)
                else:
                    tail = chunk[-16:]
        if is_sheet:
            self._sheet(tail)
        return size

    def _sheet(self, body: bytes) -> None:
        self.rows += _count_rows(body)
        if not self.wide and _WIDE_CELL.search(body) is not None:
            self.wide = True
        if not self.wide:
            refless = _refless(body)
            if refless or self.open_cells:
                self.wide = self._too_many_cells(body)
            if not refless:  # a row open at this window's end has referenced cells
                self.open_cells = 0

    def _too_many_cells(self, body: bytes) -> bool:
        """Cells per row, for rows whose cells carry no `r` reference (each such cell is the
        next column): a row with more than max_columns cells is too wide."""
        limit = self.max_columns or MAX_COLUMNS
        parts = _ROW_END.split(body)
        counts = [len(_CELL_OPEN.findall(p)) for p in parts]
        counts[0] += self.open_cells
        # The last part is the row still open at the window's end (or what follows the rows).
        self.open_cells = counts[-1]
        return max(counts) > limit


def _refless(body: bytes) -> bool:
    """Whether the window may hold cells written without an `r` reference (a few writers do;
    Excel, WPS, LibreOffice and XlsxWriter never). Two counts at C speed: tags starting `<c`
    against referenced cell tags; anything else starting so (<cols>, a writer that puts `r`
    after other attributes, a prefixed sheet) only costs the exact count."""
    tags = body.count(b"<c")
    if not tags:  # a prefixed sheet (<x:c …>), rare: counted exactly
        return b":c" in body
    return tags > body.count(b'<c r="')


# A cell's text is at most 32,767 characters; as UTF-8 with XML escapes (&quot; is six bytes
# for one character) at most six bytes each.
_LONGEST = MAX_CELL_CHARS * 6


def _text_run(chunk: bytes, run: int) -> int:
    """The run of bytes without a "<" at the chunk's end (refused beyond _LONGEST). A run that
    long holds a whole window of half its length, so the chunk is cut up only when one of its
    windows has no "<" at all (a few `find` calls per megabyte otherwise)."""
    first = chunk.find(b"<")
    if first < 0:
        run += len(chunk)
    else:
        if run + first > _LONGEST:
            raise Refused("cell", limit=MAX_CELL_CHARS)
        step = _LONGEST // 2
        gap = any(chunk.find(b"<", i, i + step) < 0 for i in range(first, len(chunk) - step, step))
        if gap and max(map(len, chunk[first:].split(b"<"))) > _LONGEST:
            raise Refused("cell", limit=MAX_CELL_CHARS)
        run = len(chunk) - chunk.rfind(b"<") - 1
    if run > _LONGEST:
        raise Refused("cell", limit=MAX_CELL_CHARS)
    return run


def _count_rows(body: bytes) -> int:
    """Row tags: <row …> (a <rowBreaks> may add one), or <x:row …> in a prefixed sheet."""
    return body.count(b"<row") or body.count(b":row")
