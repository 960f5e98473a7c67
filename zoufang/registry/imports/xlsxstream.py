"""Streaming .xlsx reader: one row at a time, in constant memory (see
docs/decisions/0003-streaming-xlsx-reader.md).

python-calamine reads a whole sheet into memory before the first row comes out (1.3 GB for a
1,000,000-row file), so large .xlsx files are read here instead: the sheet's XML is inflated
from the zip in chunks and cut into rows and cells with regular expressions (SpreadsheetML as
written by Excel, WPS, LibreOffice and XlsxWriter is flat and regular). Cell values come out as
calamine gives them — numbers as float, blank cells as "", date-formatted numbers as date
(datetime when there is a time part), booleans as bool — so the rest of the import cannot tell
the two readers apart; the registry tests run every xlsx case through both.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import pickle
import re
import signal
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_P = r"(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix (x:row in some writers)
_FIRST_ROW = re.compile(r"<([A-Za-z_][\w.-]*:)?row[\s>/]")
_T = re.compile(rf"<{_P}t(?:\s[^>]*)?>(.*?)</{_P}t>|<{_P}t(?:\s[^>]*)?/>", re.S)
_PHONETIC = re.compile(rf"<{_P}rPh\b.*?</{_P}rPh>", re.S)
_SI = re.compile(rf"<{_P}si\b[^>]*?(?:/>|>(.*?)</{_P}si>)", re.S)
_DIMENSION = re.compile(rf'<{_P}dimension\b[^>]*?\bref="[A-Z]+\d+:([A-Z]+)\d+"')
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_LETTERS = re.compile(r"[A-Z]+")
# Built-in number formats that are dates or times (ECMA-376 18.8.30, with the CJK ones).
_DATE_FORMAT_IDS = frozenset(
    [*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59), *range(71, 82)]
)
_CHUNK = 1 << 20


class XlsxError(ValueError):
    """Not an xlsx workbook this reader understands."""


def _text(raw: str) -> str:
    if "&" in raw:
        raw = html.unescape(raw)
    if "_x" in raw:
        raw = _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), raw)
    return raw


def _rich_text(body: str) -> str:
    if "rPh" in body:
        body = _PHONETIC.sub("", body)
    return _text("".join(m.group(1) or "" for m in _T.finditer(body)))


def _column_index(ref: str) -> int:
    letters = _LETTERS.match(ref)
    if not letters:
        return -1
    n = 0
    for ch in letters.group(0):
        n = n * 26 + ord(ch) - 64
    return n - 1


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _first_sheet(zf: zipfile.ZipFile) -> tuple[str, bool]:
    """The path of the workbook's first sheet, and whether it uses the 1904 date system."""
    from defusedxml import DefusedXmlException
    from defusedxml import ElementTree as ET

    try:
        book = ET.fromstring(zf.read("xl/workbook.xml"))
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except DefusedXmlException as exc:
        raise Refused("dtd") from exc
    except (KeyError, ET.ParseError) as exc:
        raise XlsxError("no workbook") from exc
    date1904 = any(
        _local(el.tag) == "workbookPr" and el.get("date1904") in ("1", "true") for el in book.iter()
    )
    sheet = next((el for el in book.iter() if _local(el.tag) == "sheet"), None)
    if sheet is None:
        raise XlsxError("no sheet")
    rid = next((v for k, v in sheet.attrib.items() if _local(k) == "id"), None)
    target = next((el.get("Target") for el in rels if el.get("Id") == rid), None)
    if not target:
        raise XlsxError("no sheet part")
    path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return path, date1904


def _date_styles(zf: zipfile.ZipFile) -> list[bool]:
    """For each cell style (the `s` of a cell), whether its number format is a date."""
    from defusedxml import DefusedXmlException
    from defusedxml import ElementTree as ET

    try:
        root = ET.fromstring(zf.read("xl/styles.xml"))
    except KeyError:
        return []
    except (ET.ParseError, DefusedXmlException) as exc:
        raise XlsxError("bad styles") from exc
    custom: dict[int, bool] = {}
    for el in root.iter():
        if _local(el.tag) == "numFmt":
            code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.', "", el.get("formatCode", ""))
            custom[int(el.get("numFmtId", "0"))] = bool(re.search(r"[ymdhsYMDHS]", code))
    styles: list[bool] = []
    for el in root.iter():
        if _local(el.tag) == "cellXfs":
            for xf in el:
                fmt = int(xf.get("numFmtId", "0"))
                styles.append(custom.get(fmt, fmt in _DATE_FORMAT_IDS))
            break
    return styles


def _shared_strings(zf: zipfile.ZipFile) -> list[str]:
    try:
        info = zf.getinfo("xl/sharedStrings.xml")
    except KeyError:
        return []
    out: list[str] = []
    for match in _matches(zf, info.filename, _SI):
        out.append(_rich_text(match.group(1) or ""))
    return out


def _matches(zf: zipfile.ZipFile, name: str, pattern: re.Pattern) -> Iterator[re.Match]:
    """Complete matches of `pattern` in a zip member, read in chunks (a match never spans the
    end of what has been read so far: the unmatched tail is kept for the next chunk)."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    buffer = ""
    with zf.open(name) as fh:
        while True:
            chunk = fh.read(_CHUNK)
            buffer += decoder.decode(chunk, final=not chunk)
            end = 0
            for match in pattern.finditer(buffer):
                end = match.end()
                yield match
            buffer = buffer[end:]
            if not chunk:
                return


def _excel_date(serial: float, date1904: bool) -> dt.date | dt.datetime:
    if date1904:
        base = dt.datetime(1904, 1, 1)  # noqa: DTZ001 - spreadsheet times are wall-clock
    elif serial < 61:
        base = dt.datetime(1899, 12, 31)  # noqa: DTZ001 - Excel's 1900-02-29 that never was
    else:
        base = dt.datetime(1899, 12, 30)  # noqa: DTZ001
    when = base + dt.timedelta(days=serial)
    if serial.is_integer():
        return when.date()
    return when.replace(microsecond=round(when.microsecond / 1000) * 1000 % 1_000_000)


def iter_rows(path: str) -> Iterator[tuple[int, list[Any]]]:
    """(1-based row number, cells) for every row of the first sheet that has cells in the
    file; rows are padded with "" to the sheet's width when the file states it."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise XlsxError("not a zip") from exc
    with zf:
        sheet, date1904 = _first_sheet(zf)
        if sheet not in zf.namelist():
            raise XlsxError("sheet part missing")
        dates = _date_styles(zf)
        strings = _shared_strings(zf)
        yield from _sheet_rows(zf, sheet, strings, dates, date1904)


def _sheet_rows(
    zf: zipfile.ZipFile, sheet: str, strings: list[str], dates: list[bool], date1904: bool
) -> Iterator[tuple[int, list[Any]]]:
    # Plain string operations rather than one regular expression per row and cell: this loop
    # runs for every cell of a million-row file. Text inside cells is XML-escaped, so "<c "
    # and "</row>" can only be markup.
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    buffer = ""
    prefix: str | None = None
    width = 0
    number = 0
    columns: dict[str, int] = {}
    with zf.open(sheet) as fh:
        while True:
            chunk = fh.read(_CHUNK)
            buffer += decoder.decode(chunk, final=not chunk)
            if prefix is None:
                found = _FIRST_ROW.search(buffer)
                if found is None:
                    if not chunk:
                        return
                    continue
                prefix = found.group(1) or ""
                dimension = _DIMENSION.search(buffer, 0, found.start())
                if dimension:
                    # Padding to the declared width, never beyond the column limit: real
                    # exports over-declare, and a hostile one declares XFD (16,384 columns).
                    width = min(_column_index(dimension.group(1)) + 1, MAX_COLUMNS)
                open_row, close_row = f"<{prefix}row", f"</{prefix}row>"
                open_cell, close_cell = f"<{prefix}c ", f"</{prefix}c>"
                open_v, close_v = f"<{prefix}v>", f"</{prefix}v>"
                plain_is, end_is = f"<{prefix}is><{prefix}t>", f"</{prefix}t></{prefix}is>"
            last = buffer.rfind(close_row)
            if last < 0:
                if not chunk:
                    return
                continue
            complete, buffer = buffer[:last], buffer[last + len(close_row) :]
            for segment in complete.split(close_row):
                at = segment.rfind(open_row)
                if at < 0:
                    continue
                segment = segment[at:]
                head_end = segment.find(">")
                head = " " + segment[len(open_row) : head_end]
                ref = _attr(head, ' r="')
                number = int(ref) if ref and ref.isdigit() else number + 1
                cells: list[Any] = []
                for part in segment[head_end + 1 :].split(open_cell)[1:]:
                    gt = part.find(">")
                    attrs = " " + part[:gt]
                    ref = _attr(attrs, ' r="')
                    if ref:
                        letters = ref.rstrip("0123456789")
                        col = columns.get(letters)
                        if col is None:
                            col = columns[letters] = _column_index(letters)
                        if col > len(cells):
                            cells.extend([""] * (col - len(cells)))
                    if attrs.endswith("/"):
                        cells.append("")
                        continue
                    body = part[gt + 1 : part.rfind(close_cell)]
                    kind = _attr(attrs, ' t="') or "n"
                    if kind == "inlineStr":
                        if body.startswith(plain_is) and body.count("<") == 4:
                            cells.append(_text(body[len(plain_is) : -len(end_is)]))
                        else:
                            cells.append(_rich_text(body))
                        continue
                    v = body.find(open_v)
                    raw = body[v + len(open_v) : body.find(close_v, v)] if v >= 0 else ""
                    cells.append(_value(kind, _attr(attrs, ' s="'), raw, strings, dates, date1904))
                if len(cells) < width:
                    cells.extend([""] * (width - len(cells)))
                yield number, cells
            if not chunk:
                return


def _attr(attrs: str, name: str) -> str:
    at = attrs.find(name)
    if at < 0:
        return ""
    at += len(name)
    return attrs[at : attrs.find('"', at)]


def _value(
    kind: str, style: str, raw: str, strings: list[str], dates: list[bool], date1904: bool
) -> Any:
    if kind == "s":
        try:
            return strings[int(raw)]
        except (ValueError, IndexError):
            return ""
    if kind in ("str", "e"):
        return _text(raw)
    if kind == "b":
        return raw.strip() in ("1", "true")
    if not raw:
        return ""
    if kind == "d":
        try:
            return dt.datetime.fromisoformat(raw.strip())
        except ValueError:
            return _text(raw)
    try:
        number = float(raw)
    except ValueError:
        return _text(raw)
    if style and dates:
        index = int(style) if style.isdigit() else 0
        if index < len(dates) and dates[index] and 0 <= number < 2958466:
            return _excel_date(number, date1904)
    return number


# ---- what a file holds, before it is read -----------------------------------------------------
#
# A sheet's declared size (<dimension>) is never trusted: real exports over-declare it and a
# hostile one declares A1:XFD1048576, which makes calamine allocate for every cell. So before
# a row is read, the parts are checked by what they hold: declared (ZipInfo) and actually
# inflated sizes, the rows and columns the sheet really has, the longest cell text, and no
# DTD or entity declarations. Everything streams in 1 MB chunks; nothing grows with the file.

MAX_ROWS = 1_048_576
MAX_COLUMNS = 200
MAX_CELL_CHARS = 32_767
MAX_INFLATED = 1 << 30
MAX_RATIO = 50
# A cell reference beyond column 200 (GR): GS…GZ, H…Z with a second letter, or three letters.
# (Searched as ` r="` and the letters: a literal first, which the regex engine scans fast.)
_WIDE_CELL = re.compile(rb' r="(?:G[S-Z]|[H-Z][A-Z]|[A-Z]{3,})\d')
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)


class Refused(Exception):
    """The file is refused before reading: `code` and `params` say why (reader.py words it)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code, params)
        self.code, self.params = code, params


def inspect(path: str, *, max_rows: int = MAX_ROWS, max_columns: int = MAX_COLUMNS) -> bool:
    """Refuse (raise Refused) a workbook whose content is beyond the limits; for a zip only.
    Returns whether the sheet declares more than it holds (then calamine, which allocates by
    the declaration, must not read it)."""
    import os

    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise XlsxError("not a zip") from exc
    with zf:
        infos = zf.infolist()
        budget = min(MAX_INFLATED, MAX_RATIO * max(os.path.getsize(path), 1))
        declared = sum(i.file_size for i in infos)
        if declared > budget:
            raise Refused("inflated", size=declared, limit=budget)
        sheet = _first_sheet(zf)[0] if "xl/workbook.xml" in zf.namelist() else None
        inflated = 0
        over_declared = False
        for info in infos:
            if info.is_dir() or not info.filename.endswith((".xml", ".rels", ".vml")):
                continue
            size, rows, wide = _scan_part(
                zf, info.filename, info.filename == sheet, budget - inflated
            )
            inflated += size
            if info.filename == sheet:
                if rows > max_rows:
                    raise Refused("rows", rows=rows, limit=max_rows)
                if wide:
                    raise Refused("columns", limit=max_columns)
                over_declared = _declares_more(zf, sheet, rows, max_columns)
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


def _scan_part(
    zf: zipfile.ZipFile, name: str, is_sheet: bool, budget: int
) -> tuple[int, int, bool]:
    """Inflate one part in chunks, counting: its size (against `budget`, whatever the zip
    header declared), DTDs, the longest run of text between two tags, and for the sheet its
    rows and whether any cell lies beyond the column limit. Only byte counts and searches
    that run at C speed on the common case: this pass comes before the first row is read."""
    size = rows = 0
    run = 0  # bytes since the last "<", carried across chunks
    wide = False
    tail = b""
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
                rows += _count_rows(body)
                wide = wide or _WIDE_CELL.search(body) is not None
            else:
                tail = chunk[-16:]
    if is_sheet:
        rows += _count_rows(tail)
    return size, rows, wide


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


# ---- reading in a separate process -----------------------------------------------------------
#
# Cutting a million rows out of the XML is about a third of an import's Python time, and the
# import's Python runs on one core (the GIL) beside the database. So a file is read by a second
# Python process that runs only this module (no Django) and hands the rows over in pickled
# lists; the importing process only unpickles them. The child also keeps a hostile file away
# from the importing process: it inspects the file first (`inspect`), and runs under a memory
# (RLIMIT_AS) and CPU-time limit; if it dies or runs over, the import fails with a message and
# the web or worker process goes on. Both readers run here: this module's streaming reader
# ("stream") and python-calamine ("calamine": .xls, .ods and small .xlsx files).

_ROWS_PER_MESSAGE = 2000
_READ_ERRORS = (XlsxError, zipfile.BadZipFile, zlib.error, EOFError, OSError)


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 1024
    cpu_seconds: int = 900
    wall_seconds: int = 3600
    max_rows: int = MAX_ROWS
    max_columns: int = MAX_COLUMNS


class ChildDied(Exception):
    """The reading process died (memory or time limit, a crash); `why` is "memory" or "time"."""

    def __init__(self, why: str, detail: str = "") -> None:
        super().__init__(why, detail)
        self.why, self.detail = why, detail


def iter_rows_in_child(
    path: str, mode: str = "stream", limits: Limits | None = None
) -> Iterator[tuple[int, list[Any]]]:
    """The rows of `path`, read by a child process (`mode` "stream" or "calamine"). Raises
    Refused (inspection), XlsxError (not readable) or ChildDied; the child is stopped when the
    caller stops iterating."""
    import threading

    limits = limits or Limits()
    # The child runs this file by its path (no Django, no package import); -P keeps this
    # file's folder off the front of the child's path, so that no module beside it can stand
    # in for a standard library module of the same name.
    args = [str(v) for v in (mode, *dataclasses.astuple(limits))]
    child = subprocess.Popen(  # noqa: S603 - our interpreter running this very file
        [sys.executable, "-P", __file__, path, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None  # noqa: S101 - for the type checker; PIPE was asked for
    timer = threading.Timer(limits.wall_seconds, child.kill)
    timer.daemon = True
    timer.start()
    try:
        while True:
            try:
                item = pickle.load(child.stdout)  # noqa: S301 - written by our own child
            except (EOFError, pickle.UnpicklingError):
                break
            if isinstance(item, tuple):
                raise Refused(item[0], **item[1])
            if isinstance(item, str):
                raise XlsxError(item)
            yield from item
        code = child.wait()
        if code != 0:
            err = (child.stderr.read() if child.stderr else b"").decode(errors="replace")[-500:]
            timed_out = not timer.is_alive() or code == -signal.SIGXCPU or "CPU" in err
            raise ChildDied("time" if timed_out else "memory", err)
    finally:
        timer.cancel()
        if child.poll() is None:
            child.kill()
        child.wait()
        child.stdout.close()
        if child.stderr:
            child.stderr.close()


def _calamine_rows(path: str) -> Iterator[tuple[int, list[Any]]]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_path(path).get_sheet_by_index(0)
    except (CalamineError, ValueError) as exc:
        raise XlsxError(f"calamine: {exc}") from exc
    start = sheet.start[0] if sheet.start else 0
    for offset, row in enumerate(sheet.iter_rows()):
        if len(row) > MAX_COLUMNS and any(c not in ("", None) for c in row[MAX_COLUMNS:]):
            raise Refused("columns", limit=MAX_COLUMNS)
        yield start + offset + 1, row[:MAX_COLUMNS]


def _serve(path: str, mode: str, limits: Limits) -> None:
    import resource

    memory = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    out = sys.stdout.buffer
    rows: list[tuple[int, list[Any]]] = []
    try:
        if zipfile.is_zipfile(path):
            over = inspect(path, max_rows=limits.max_rows, max_columns=limits.max_columns)
            if over and mode == "calamine":
                mode = "stream"
        for row in iter_rows(path) if mode == "stream" else _calamine_rows(path):
            if len(row[1]) > limits.max_columns:
                raise Refused("columns", limit=limits.max_columns)
            rows.append(row)
            if len(rows) >= _ROWS_PER_MESSAGE:
                pickle.dump(rows, out, protocol=pickle.HIGHEST_PROTOCOL)
                rows = []
        if rows:
            pickle.dump(rows, out, protocol=pickle.HIGHEST_PROTOCOL)
    except Refused as exc:
        pickle.dump((exc.code, exc.params), out)
    except _READ_ERRORS as exc:
        pickle.dump(f"{type(exc).__name__}: {exc}", out)
    except MemoryError:
        sys.stderr.write("MemoryError\n")
        sys.exit(3)
    except BrokenPipeError:
        return  # the importer stopped reading
    out.flush()


if __name__ == "__main__":
    _mode = sys.argv[2] if len(sys.argv) > 2 else "stream"
    _serve(sys.argv[1], _mode, Limits(*map(int, sys.argv[3:])))
