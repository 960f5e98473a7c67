"""The rejected-row report: the rejected rows as they were in the file (every original column,
in the original order) and two added columns, the reason and the column it is about, so that
the same file, corrected, can be imported again as it is.

The cells are stored per rejection (ImportRejection.cells) as JSON, the personal columns
(ID numbers, phones) sealed with the registry's key; the report opens them only for a reader
who may see full values (`access.may_see_full_values`), and masks them for everyone else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from zoufang.registry import normalize as norm
from zoufang.registry.crypto import decrypt, encrypt
from zoufang.registry.imports.specs import PERSONAL_COLUMNS

REASON_HEADER = "未导入原因"
COLUMN_HEADER = "问题列"
_SEALED = "sealed"


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def seal_cells(cells: Sequence[Any], personal: frozenset[int]) -> list[Any]:
    """The row's cells as JSON values; personal cells sealed ({"sealed": token})."""
    out: list[Any] = []
    for i, cell in enumerate(cells):
        value = _plain(cell)
        if i in personal and value not in (None, ""):
            value = {_SEALED: encrypt(str(value))}
        out.append(value)
    return out


def personal_indexes(mapping: dict[int, str]) -> frozenset[int]:
    return frozenset(i for i, key in mapping.items() if key in PERSONAL_COLUMNS)


def _open(value: Any, full: bool) -> Any:
    if not isinstance(value, dict):
        return value
    text = decrypt(value[_SEALED])
    if full:
        return text
    compact = norm.clean_compact(text)
    return norm.mask_phone(compact) if len(compact) == 11 else norm.mask_id(compact)


def report_headers(header: Sequence[str]) -> list[str]:
    return [*header, REASON_HEADER, COLUMN_HEADER]


def report_rows(rejections: Iterator[Any], width: int, *, full: bool) -> Iterator[list[Any]]:
    """One line per rejected file row (rejections ordered by row): its cells, the reasons and
    the columns. A row stored without its cells (an older job) gives its row number instead."""
    current: int | None = None
    cells: list[Any] = []
    reasons: list[str] = []
    columns: list[str] = []

    def line() -> list[Any]:
        padded = [*cells, *[""] * (width - len(cells))][:width] if width else list(cells)
        return [*padded, "；".join(reasons), "、".join(dict.fromkeys(c for c in columns if c))]

    for r in rejections:
        if r.row != current:
            if current is not None:
                yield line()
            current, reasons, columns = r.row, [], []
            stored = r.cells
            cells = [_open(v, full) for v in stored] if stored is not None else [r.row]
        reasons.append(r.reason_shown)
        columns.append(r.column)
    if current is not None:
        yield line()
