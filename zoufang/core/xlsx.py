"""Streaming xlsx exports.

XlsxWriter in constant-memory mode writes each row to disk as it comes, so an export of any
size holds one row in memory (and the first `SAMPLE` rows, read to size the columns); the
finished file is streamed back. Every download is written to the audit trail (who, what,
how many rows) before it is sent; if that write fails, the export is refused. Every text cell is written with `write_string`, so a value such
as "=HYPERLINK(...)" stays text (no formula injection).

Every export a user downloads (`xlsx_response`) opens with a title row saying what it is, of
which unit, when and by whom it was exported; the table's header is the row under it. Columns
are as wide as their longest value among the first rows (an address fits), within limits.
"""

from __future__ import annotations

import datetime as dt
import itertools
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

import xlsxwriter
from django.http import FileResponse, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from zoufang.core.audit import AuditUnavailable, record
from zoufang.core.logging import mask_personal_numbers

MAX_CELL = 32767  # Excel's limit on characters in a cell
SAMPLE = 200  # rows read ahead to size the columns
MIN_WIDTH, MAX_WIDTH = 8, 60  # column widths, in Excel's character units


def _display_width(value: Any) -> int:
    """Roughly how many Latin characters wide `value` shows (a Chinese character is two)."""
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    text = str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def column_widths(headers: Sequence[str], sample: Sequence[Sequence[Any]]) -> list[int]:
    """Each column as wide as its header or its longest value in `sample`, within limits."""
    widths = [_display_width(h) + 2 for h in headers]
    for row in sample:
        for c, value in enumerate(row[: len(widths)]):
            if value is not None:
                widths[c] = max(widths[c], _display_width(value) + 2)
    return [max(MIN_WIDTH, min(MAX_WIDTH, w)) for w in widths]


def write_xlsx(
    fileobj: Any,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    sheet: str = "Sheet1",
    title: str = "",
) -> int:
    """Write `rows` under `headers` into `fileobj`, with `title` in a row above them when
    given; returns the number of data rows."""
    workbook = xlsxwriter.Workbook(fileobj, {"constant_memory": True, "in_memory": False})
    ws = workbook.add_worksheet(sheet[:31])
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7"})
    formats = {
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "time": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
    }
    rows = iter(rows)
    sample = list(itertools.islice(rows, SAMPLE))
    for col, width in enumerate(column_widths(headers, sample)):
        ws.set_column(col, col, width)
    top = 0
    if title:
        title_fmt = workbook.add_format({"bold": True, "font_size": 13})
        ws.write_string(0, 0, title, title_fmt)
        top = 1
    for col, header in enumerate(headers):
        ws.write_string(top, col, str(header), bold)
    ws.freeze_panes(top + 1, 0)
    count = 0
    for count, row in enumerate(itertools.chain(sample, rows), start=1):
        _write_row(ws, top + count, row, formats)
    if count:
        ws.autofilter(top, 0, top + count, max(len(headers) - 1, 0))
    workbook.close()
    return count


def _write_row(ws: Any, r: int, row: Sequence[Any], formats: dict[str, Any]) -> None:
    for c, value in enumerate(row):
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            ws.write_string(r, c, "是" if value else "否")
        elif isinstance(value, int | float):
            ws.write_number(r, c, value)
        elif isinstance(value, dt.datetime):
            naive = timezone.localtime(value).replace(tzinfo=None)
            ws.write_datetime(r, c, naive, formats["time"])
        elif isinstance(value, dt.date):
            ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), formats["date"])
        else:
            ws.write_string(r, c, str(value)[:MAX_CELL])


def export_title(request: HttpRequest, what: str) -> str:
    """The title row of an export: what, of which unit, when, by whom."""
    user = request.user
    unit = getattr(user, "unit", None)
    department = getattr(user, "department", None)
    where = unit.name if unit else (department.name if department else _("the whole campaign"))
    who = getattr(user, "display_name", "") or user.get_username()
    when = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    return _("%(what)s · %(unit)s · exported %(when)s by %(who)s") % {
        "what": what,
        "unit": where,
        "when": when,
        "who": who,
    }


def audit_export(request: HttpRequest, filename: str, what: str, rows: int) -> None:
    """One audit entry per download: who, what, how many rows, from which page (its query
    string with any ID number or phone in it masked). Raises AuditUnavailable when it cannot
    be written, and the file is not sent (issue 17: a failed audit write refuses the export)."""
    query = {k: mask_personal_numbers(v)[:100] for k, v in request.GET.items()}
    record(
        actor=request.user,
        what=f"export {filename}: {what} ({rows} rows)",
        extra={
            "export": {
                "file": filename,
                "what": what,
                "rows": rows,
                "path": request.path,
                "query": query,
            }
        },
        request=request,
    )


def xlsx_response(
    request: HttpRequest,
    filename: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    sheet: str = "Sheet1",
    title: str | None = None,
) -> FileResponse:
    """An attachment response streaming the workbook from a temporary file. Its first row
    is `export_title` of `title` (the sheet's name by default); `title=""` leaves it out
    (a blank template to fill in and import)."""
    tmp = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    heading = export_title(request, title or str(sheet)) if title != "" else ""
    count = write_xlsx(tmp, headers, rows, sheet=sheet, title=heading)
    if count or title != "":  # a blank template to fill in holds nothing to log
        try:
            audit_export(request, filename, title or str(sheet), count)
        except AuditUnavailable:
            tmp.close()
            raise
    tmp.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(
        tmp,
        as_attachment=True,
        filename=f"{filename}-{stamp}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
