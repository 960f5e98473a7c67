"""Streaming xlsx exports.

XlsxWriter in constant-memory mode writes each row to disk as it comes, so an export of any
size holds one row in memory; the finished file is streamed back. Every text cell is written
with `write_string`, so a value such as "=HYPERLINK(...)" stays text (no formula injection).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable, Sequence
from typing import Any

import xlsxwriter
from django.http import FileResponse
from django.utils import timezone

MAX_CELL = 32767  # Excel's limit on characters in a cell


def write_xlsx(
    fileobj: Any, headers: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str = "Sheet1"
) -> int:
    """Write `rows` under `headers` into `fileobj`; returns the number of data rows."""
    workbook = xlsxwriter.Workbook(fileobj, {"constant_memory": True, "in_memory": False})
    ws = workbook.add_worksheet(sheet[:31])
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7"})
    date_fmt = workbook.add_format({"num_format": "yyyy-mm-dd"})
    time_fmt = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for col, header in enumerate(headers):
        ws.write_string(0, col, str(header), bold)
        ws.set_column(col, col, max(10, min(40, len(str(header)) * 2 + 4)))
    ws.freeze_panes(1, 0)
    count = 0
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                ws.write_string(r, c, "是" if value else "否")
            elif isinstance(value, int | float):
                ws.write_number(r, c, value)
            elif isinstance(value, dt.datetime):
                ws.write_datetime(r, c, timezone.localtime(value).replace(tzinfo=None), time_fmt)
            elif isinstance(value, dt.date):
                ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_fmt)
            else:
                ws.write_string(r, c, str(value)[:MAX_CELL])
        count = r
    if count:
        ws.autofilter(0, 0, count, max(len(headers) - 1, 0))
    workbook.close()
    return count


def xlsx_response(
    filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str = "Sheet1"
) -> FileResponse:
    """An attachment response streaming the workbook from a temporary file."""
    tmp = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    write_xlsx(tmp, headers, rows, sheet=sheet)
    tmp.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(
        tmp,
        as_attachment=True,
        filename=f"{filename}-{stamp}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
