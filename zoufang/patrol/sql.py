"""The few places where the patrol's set-based SQL differs between PostgreSQL and SQLite: a bulk
row writer (COPY on PostgreSQL, executemany on SQLite), the Hamming distance of two 64-bit
hashes, and a timestamp moved back by some hours. Table names always come from the models'
_meta, values always as parameters."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection

BULK_ROWS = 5000


def bulk_insert(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write many rows at once; returns how many. PostgreSQL streams them through COPY (one
    round trip, no per-row statement); SQLite takes them in executemany batches."""
    names = ", ".join(columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 - names from _meta # nosec B608
        batch: list[Sequence[Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BULK_ROWS:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def _hamming(a: int | None, b: int | None) -> int | None:
    if a is None or b is None:
        return None
    return ((a ^ b) & 0xFFFFFFFFFFFFFFFF).bit_count()


def hamming(a: str, b: str) -> str:
    """SQL for the number of differing bits of two bigint columns. PostgreSQL counts them
    itself (bit_count, PG 14+); SQLite has no bit count, so a deterministic Python function is
    registered on the connection (the same arithmetic as `similarity.hamming`)."""
    if connection.vendor == "postgresql":
        return f"bit_count(({a} # {b})::bit(64))"
    connection.ensure_connection()
    connection.connection.create_function("patrol_hamming", 2, _hamming, deterministic=True)
    return f"patrol_hamming({a}, {b})"


def hours_before(column: str, hours: int) -> str:
    """SQL for `column` moved back by whole hours, for a lower bound of a range search. On
    SQLite the result is text without fractions of a second, one second earlier still, so it
    never lies above the exact bound (the exact comparison is made afterwards)."""
    if connection.vendor == "postgresql":
        return f"({column} - interval '{int(hours)} hours')"
    return f"datetime({column}, '-{int(hours)} hours', '-1 seconds')"


# Below this many new rows, or a tenth of what the table held, the planner's idea of a table
# is close enough (autovacuum catches up later).
ANALYZE_AFTER = 5000
ANALYZE_SHARE = 0.1


def analyze(table: str, added: int) -> None:
    """Refresh PostgreSQL's statistics of a table that just grew by `added` rows, when that
    changes its size noticeably. A first run fills the patrol's indexes inside its
    transaction, before autovacuum has looked at them: the planner then takes a table of a
    million slots for an empty one and joins it row by row (a full run's window query took
    minutes instead of a second). An incremental run adds a sliver and skips it."""
    if connection.vendor != "postgresql" or added < ANALYZE_AFTER:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        row = cursor.fetchone()
        known = row[0] if row else -1
        if known is None or known < 0 or added >= ANALYZE_SHARE * known:
            cursor.execute(f"ANALYZE {table}")
