"""Reading an import file in a separate process (every file: csv, xlsx, xls, ods).

Cutting a million rows out of the XML (or the csv) is about a third of an import's Python time,
and the import's Python runs on one core (the GIL) beside the database. So a file is read by a
second Python process that runs only the readers (no Django) and hands the rows over in pickled
lists; the importing process only unpickles them. The child also keeps a hostile file away from
the importing process: a workbook is inspected first (xlsxcheck), and the child runs under a
memory (RLIMIT_AS) and CPU-time limit; if it dies or runs over, the import fails with a message
and the web or worker process goes on.

Modes: "csv" (the standard library's reader, utf-8 or GBK), "stream" (xlsxstream) and
"calamine" (python-calamine: .xls, .ods and small .xlsx files) inspect a workbook, then read it;
"gated" reads a large .xlsx by the streaming reader while a second child ("inspect",
`Inspection`) inspects it at the same time — the importer holds back every write until the
inspection has passed (`Inspection.verdict`), so that the inspection costs no wall time.
"""

from __future__ import annotations

import dataclasses
import pickle
import signal
import subprocess
import sys
import threading
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zoufang.registry.imports.xlsxcheck import INFLATE_FLOOR, inspect
from zoufang.registry.imports.xlsxstream import (
    MAX_COLUMNS,
    MAX_ROWS,
    Refused,
    XlsxError,
    iter_rows,
)

_ROWS_PER_MESSAGE = 2000
_READ_ERRORS = (XlsxError, zipfile.BadZipFile, zlib.error, EOFError, OSError)
# The child runs with -P (this folder's neighbours never stand in for a standard library
# module) and finds the project by a path appended after the standard library.
_ROOT = str(Path(__file__).resolve().parents[3])
_BOOT = (
    "import sys; sys.path.append(sys.argv[1]); "
    "from zoufang.registry.imports.readchild import main; main(sys.argv[2:])"
)


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 1024
    cpu_seconds: int = 900
    wall_seconds: int = 3600
    max_rows: int = MAX_ROWS
    max_columns: int = MAX_COLUMNS
    inflate_floor: int = INFLATE_FLOOR


class ChildDied(Exception):
    """The reading process died (memory or time limit, a crash); `why` is "memory" or "time"."""

    def __init__(self, why: str, detail: str = "") -> None:
        super().__init__(why, detail)
        self.why, self.detail = why, detail


class ReadError(Exception):
    """The file cannot be read: `kind` "binary", "decode", "csv" or "xlsx"; `detail` says more."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(kind, detail)
        self.kind, self.detail = kind, detail


def _spawn(path: str, mode: str, limits: Limits) -> tuple[subprocess.Popen, threading.Timer]:
    args = [str(v) for v in (mode, *dataclasses.astuple(limits))]
    child = subprocess.Popen(  # noqa: S603 - our interpreter running our own module # nosec B603
        [sys.executable, "-P", "-c", _BOOT, _ROOT, path, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    timer = threading.Timer(limits.wall_seconds, child.kill)
    timer.daemon = True
    timer.start()
    return child, timer


def _messages(child: subprocess.Popen, timer: threading.Timer) -> Iterator[list]:
    """The row lists a child writes; raises what it reports, or ChildDied; the child is stopped
    when the caller stops iterating."""
    assert child.stdout is not None  # noqa: S101 - for the type checker; PIPE was asked for # nosec B101
    try:
        while True:
            try:
                item = pickle.load(child.stdout)  # noqa: S301 - written by our own child # nosec B301
            except (EOFError, pickle.UnpicklingError):
                break
            if isinstance(item, tuple):
                raise Refused(item[0], **item[1])
            if isinstance(item, dict):
                raise ReadError(item["error"], item.get("detail", ""))
            if isinstance(item, str):
                raise XlsxError(item)
            yield item
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


def iter_rows_in_child(
    path: str,
    mode: str = "stream",
    limits: Limits | None = None,
    inspection: Inspection | None = None,
) -> Iterator[tuple[int, list[Any]]]:
    """The rows of `path`, read by a child process (`mode`: see the module's docstring).
    Raises Refused (inspection), XlsxError / ReadError (not readable) or ChildDied. An
    `inspection` running beside it stops the reading child when it refuses the file."""
    child, timer = _spawn(path, mode, limits or Limits())
    if inspection is not None:
        inspection.watch(child)
    for rows in _messages(child, timer):
        yield from rows


class Inspection:
    """A workbook inspected by its own child process, beside the one that reads it ("gated");
    `verdict()` waits for it and raises what the inspection found (Refused, XlsxError,
    ChildDied). A thread waits for the child, so that none is left behind unwaited."""

    def __init__(self, path: str, limits: Limits) -> None:
        self._error: BaseException | None = None
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._reader: subprocess.Popen | None = None
        child, timer = _spawn(path, "inspect", limits)
        self._thread = threading.Thread(
            target=self._wait, args=(child, timer), name="registry-import-inspect", daemon=True
        )
        self._thread.start()

    def _wait(self, child: subprocess.Popen, timer: threading.Timer) -> None:
        try:
            for _ in _messages(child, timer):
                pass
        except BaseException as exc:
            with self._lock:
                self._error = exc
                self._stop_reader()
        finally:
            self._done.set()

    def watch(self, reader: subprocess.Popen) -> None:
        """The reading child: stopped as soon as the inspection refuses the file, so that the
        importer learns it at once (not after reading a hostile file to its end)."""
        with self._lock:
            self._reader = reader
            if self._error is not None:
                self._stop_reader()

    def _stop_reader(self) -> None:
        if self._reader is not None and self._reader.poll() is None:
            self._reader.kill()

    def verdict(self) -> None:
        self._done.wait()
        if self._error is not None:
            raise self._error


# ---- in the child ----------------------------------------------------------------------------


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


def _csv_rows(path: str) -> Iterator[tuple[int, list[str]]]:
    """A csv file in utf-8 or GBK (Excel on a Chinese Windows), its dialect sniffed."""
    import codecs
    import csv

    with open(path, "rb") as fh:
        sample = fh.read(65536)
    if b"\x00" in sample:
        raise ReadError("binary")
    encoding = "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        encoding = "gb18030"
    with open(path, encoding=encoding, newline="") as fh:
        try:
            dialect: Any = csv.Sniffer().sniff(fh.read(8192), delimiters=",\t;")
        except csv.Error:
            dialect = csv.excel
        fh.seek(0)
        try:
            yield from enumerate(csv.reader(fh, dialect), start=1)
        except UnicodeDecodeError as exc:
            raise ReadError("decode", str(exc)) from exc
        except csv.Error as exc:
            raise ReadError("csv", str(exc)) from exc


def _rows(path: str, mode: str, limits: Limits) -> Iterator[tuple[int, list[Any]]]:
    if mode == "csv":
        return _csv_rows(path)
    if mode != "gated" and zipfile.is_zipfile(path):
        over = inspect(
            path,
            max_rows=limits.max_rows,
            max_columns=limits.max_columns,
            inflate_floor=limits.inflate_floor,
        )
        if over and mode == "calamine":
            mode = "stream"
    if mode == "inspect":
        return iter(())
    return iter_rows(path) if mode in ("stream", "gated") else _calamine_rows(path)


def _serve(path: str, mode: str, limits: Limits) -> None:
    import resource

    memory = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    out = sys.stdout.buffer
    rows: list[tuple[int, list[Any]]] = []
    try:
        for row in _rows(path, mode, limits):
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
    except ReadError as exc:
        pickle.dump({"error": exc.kind, "detail": exc.detail[:300]}, out)
    except _READ_ERRORS as exc:
        pickle.dump(f"{type(exc).__name__}: {exc}", out)
    except MemoryError:
        sys.stderr.write("MemoryError\n")
        sys.exit(3)
    except BrokenPipeError:
        return  # the importer stopped reading
    out.flush()


def main(argv: list[str]) -> None:
    mode = argv[1] if len(argv) > 1 else "stream"
    _serve(argv[0], mode, Limits(*map(int, argv[2:])))
