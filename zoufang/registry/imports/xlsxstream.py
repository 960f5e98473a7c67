"""Streaming .xlsx reader: one row at a time, in constant memory (see
docs/decisions/0003-streaming-xlsx-reader.md).

python-calamine reads a whole sheet into memory before the first row comes out (1.3 GB for a
1,000,000-row file), so large .xlsx files are read here instead: the sheet's XML is inflated
from the zip in chunks and cut into rows and cells with regular expressions (SpreadsheetML as
written by Excel, WPS, LibreOffice and XlsxWriter is flat and regular). Cell values come out as
calamine gives them — numbers as float, blank cells as "", date-formatted numbers as date
(datetime when there is a time part), booleans as bool — so the rest of the import cannot tell
the two readers apart; the registry tests run every xlsx case through both.

What a workbook holds is checked before it is read (xlsxcheck), and every file is read in a
child process under limits (readchild).
"""

from __future__ import annotations

import datetime as dt
import html
import re
import zipfile
from collections.abc import Iterator
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

# The limits of what a file may hold (xlsxcheck inspects a workbook against them).
MAX_ROWS = 1_048_576
MAX_COLUMNS = 200
MAX_CELL_CHARS = 32_767


class XlsxError(ValueError):
    """Not an xlsx workbook this reader understands."""


class Refused(Exception):
    """The file is refused before reading: `code` and `params` say why (reader.py words it)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code, params)
        self.code, self.params = code, params


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
