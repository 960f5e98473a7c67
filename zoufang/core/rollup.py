"""Counter rollups: small tables of counts kept per beat, added to in the transaction that
changes the records they count (docs/decisions/0011-rollups.md).

A rollup model names its key (`ROLLUP_KEY`: the columns of its unique constraint), the
columns set only when a row is first written (`ROLLUP_FIXED`, e.g. the beat's `unit_path`)
and its counters (`ROLLUP_SUMS`). `rollup_add` adds deltas to them with one
`INSERT … ON CONFLICT … DO UPDATE SET n = n + excluded.n` per model (PostgreSQL and SQLite
both speak it). Rows are written in key order, so two transactions that touch the same rows
lock them in the same order and never deadlock each other. Rows that fall to zero are kept:
a zero is a true count, and the row is reused by the next change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models

Delta = tuple[dict[str, Any], Sequence[int]]
MAX_PARAMS = 30000


def _columns(model: type[models.Model], names: Iterable[str]) -> list[str]:
    return [connection.ops.quote_name(model._meta.get_field(n).column) for n in names]


def merge(model: type[models.Model], deltas: Iterable[Delta]) -> list[tuple[tuple, list[int]]]:
    """The deltas summed per key, zero sums dropped, in key order: [(key + fixed, sums)]."""
    key_names = [*model.ROLLUP_KEY, *model.ROLLUP_FIXED]
    n = len(model.ROLLUP_SUMS)
    merged: dict[tuple, list[int]] = {}
    for row, sums in deltas:
        key = tuple(row[k] for k in key_names)
        acc = merged.setdefault(key, [0] * n)
        for i, v in enumerate(sums):
            acc[i] += v
    return sorted((k, v) for k, v in merged.items() if any(v))


def rollup_add(model: type[models.Model], deltas: Iterable[Delta]) -> int:
    """Add `deltas` ([(key and fixed columns by field name, sums in ROLLUP_SUMS order)]) to
    the rollup table of `model`, in one statement. Returns the number of rows written."""
    rows = merge(model, deltas)
    if not rows:
        return 0
    table = connection.ops.quote_name(model._meta.db_table)
    keys = _columns(model, model.ROLLUP_KEY)
    fixed = _columns(model, model.ROLLUP_FIXED)
    sums = _columns(model, model.ROLLUP_SUMS)
    width = len(keys) + len(fixed) + len(sums)
    update = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in sums)
    # Chunks stay under SQLite's limit of bound parameters; still one key order throughout.
    step = max(1, MAX_PARAMS // width)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            values = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(chunk))
            # Table and column names come from the model's _meta, never from input.
            columns, target = ", ".join(keys + fixed + sums), ", ".join(keys)
            sql = f"INSERT INTO {table} ({columns}) VALUES {values} ON CONFLICT ({target}) DO UPDATE SET {update}"  # noqa: S608 # nosec B608
            params: list[Any] = []
            for key, counts in chunk:
                params.extend(key)
                params.extend(counts)
            cursor.execute(sql, params)
    return len(rows)


def rollup_move(model: type[models.Model], before: Iterable[Delta], after: Iterable[Delta]) -> int:
    """Take a record's old contribution (`before`) off and put its new one (`after`) on."""
    negated = [(row, [-v for v in sums]) for row, sums in before]
    return rollup_add(model, [*negated, *after])


def child_path(parent_path: str, column: str = "unit_path") -> Any:
    """SQL for "the path of the child unit under `parent_path`" of a row's `column` (the row's
    own path when it is that child, or lies under it)."""
    from django.db.models import Value
    from django.db.models.functions import StrIndex, Substr

    n = len(parent_path)
    return Substr(column, 1, Value(n) + StrIndex(Substr(column, n + 1), Value("/")))
