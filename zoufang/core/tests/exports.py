"""Read an xlsx export as a user's spreadsheet shows it: the title row, then the table."""

from __future__ import annotations

import io
from typing import Any

from python_calamine import CalamineWorkbook


def _sheet(response_or_bytes: Any) -> list[list[Any]]:
    data = response_or_bytes
    if not isinstance(data, bytes):
        data = b"".join(response_or_bytes.streaming_content)
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return book.get_sheet_by_index(0).to_python()


def _is_header(row: list[Any]) -> bool:
    """The header is the first row with two or more cells filled (the title row has one)."""
    return sum(1 for v in row if v not in ("", None)) >= 2


def export_table(response_or_bytes: Any) -> list[list[Any]]:
    """The rows from the header row down (the header first), wherever the header sits."""
    rows = _sheet(response_or_bytes)
    start = next((i for i, row in enumerate(rows) if _is_header(row)), 0)
    return rows[start:]


def export_title(response_or_bytes: Any) -> str:
    """The text above the header row ("" when the table starts at the top)."""
    rows = _sheet(response_or_bytes)
    above = []
    for row in rows:
        if _is_header(row):
            break
        above += [str(v) for v in row if v not in ("", None)]
    return " ".join(above)
