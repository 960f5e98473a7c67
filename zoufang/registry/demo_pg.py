"""The demo registry on PostgreSQL: the rows of `demo_rows` written with COPY.

Ids are taken from the tables' own sequences in one step per table and chunk (`setval` past
the block, then explicit ids), so every reference is known before a row is written: a
household is written with its householder already set (the foreign key is checked at commit,
as Django declares it deferrable), and nothing is updated afterwards. Beats are written in
chunks, one transaction each; every constraint and index stays in place.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from zoufang.registry.demo_rows import (
    ENTERPRISE,
    KEY_ITEM,
    PERSON,
    PLACE,
    SHOP,
    BeatRows,
    RegistryMaker,
    households_for,
)

CHUNK_BEATS = 60
TABLES = {
    "place": ("registry_place", ("beat_id", *PLACE, "is_active")),
    "household": (
        "registry_household",
        (
            "place_id",
            "use",
            "landlord_name",
            "householder_id",
            "separated",
            "landlord_phone_enc",
            "landlord_phone_masked",
            "landlord_phone_hash",
            "tenants",
        ),
    ),
    "person": ("registry_person", ("household_id", *PERSON, "actual_address")),
    "key_person": ("registry_keyperson", ("person_id", "category", "control_level", "note")),
    "shop": ("registry_shop", ("place_id", *SHOP, "credit_code", "key_persons")),
    "enterprise": ("registry_enterprise", ("place_id", *ENTERPRISE, "credit_code", "key_persons")),
    "key_item": ("registry_keyitem", ("place_id", *KEY_ITEM)),
}


def reserve_ids(cursor: Any, table: str, n: int) -> int:
    """The first of `n` consecutive ids taken from the table's sequence (0 when n is 0)."""
    if n == 0:
        return 0
    cursor.execute(
        "SELECT setval(s, nextval(s) + %s - 1) - %s + 1 FROM pg_get_serial_sequence(%s, 'id') s",
        [n, n, table],
    )
    return cursor.fetchone()[0]


def copy_rows(cursor: Any, table: str, columns: tuple[str, ...], rows: Any) -> None:
    """COPY the rows (tuples in the order of `columns`) into the table."""
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


@contextmanager
def bulk_load(tables: list[str]) -> Iterator[None]:
    """Load empty tables the way PostgreSQL loads fastest, in one transaction: their foreign
    keys, unique constraints and secondary indexes are dropped first and made again at the
    end from their own definitions (pg_get_constraintdef / pg_get_indexdef), which checks
    every row at once (one join per foreign key, one sort per index) instead of row by row.
    Tables that already hold rows are loaded with everything in place."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join(f"(SELECT 1 FROM {t} LIMIT 1)" for t in tables)  # noqa: S608 # nosec B608
        )
        if cursor.fetchall():
            yield
            return
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        # Check what is pending now (a table with pending checks cannot be altered).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(
            "SELECT conname, conrelid::regclass::text, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('f', 'u')",
            [tables],
        )
        constraints = cursor.fetchall()
        for name, table, _definition in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary",
            [tables],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        yield
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, table, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for table in tables:
            cursor.execute(f"ANALYZE {table}")


def build_registry_copy(beats: list[Any], *, households_per_beat: int | None) -> dict[str, int]:
    maker = RegistryMaker()
    totals = dict.fromkeys(("households", "persons", "shops", "enterprises"), 0)
    with bulk_load([table for table, _columns in TABLES.values()]):
        _load(beats, maker, households_per_beat, totals)
    return totals


def _load(
    beats: list[Any], maker: RegistryMaker, households_per_beat: int | None, totals: dict
) -> None:
    for start in range(0, len(beats), CHUNK_BEATS):
        chunk = [
            (b, maker.beat(b, households_for(b, households_per_beat)))
            for b in beats[start : start + CHUNK_BEATS]
        ]
        with transaction.atomic():
            _write_chunk(chunk)
        for _beat, rows in chunk:
            for name in totals:
                totals[name] += len(getattr(rows, name))


def _write_chunk(chunk: list[tuple[Any, BeatRows]]) -> None:
    """One chunk of beats: ids for every table first, then one COPY per table."""
    stamps = (timezone.now(),) * 2
    with connection.cursor() as cursor:
        first = {
            name: reserve_ids(cursor, table, sum(len(getattr(r, _attr(name))) for _b, r in chunk))
            for name, (table, _cols) in TABLES.items()
        }
        for name, (table, columns) in TABLES.items():
            copy_rows(
                cursor,
                table,
                ("id", "unit_path", *columns, "created_at", "updated_at"),
                _rows(name, chunk, first, stamps),
            )


def _attr(name: str) -> str:
    return {"key_person": "key_persons", "key_item": "key_items"}.get(name, name + "s")


def _rows(name: str, chunk: list[tuple[Any, BeatRows]], first: dict[str, int], stamps: tuple):
    """The COPY rows of one table: (id, unit_path, columns…, created_at, updated_at), the
    references turned from indexes within the beat into ids."""
    ids = dict(first)
    for beat, rows in chunk:
        base = dict(ids)  # the first id of each table in this beat
        path = beat.path
        for row in getattr(rows, _attr(name)):
            yield (ids[name], path, *_row(name, row, beat, base), *stamps)
            ids[name] += 1
        for other, _table in TABLES.items():
            ids[other] = base[other] + len(getattr(rows, _attr(other)))


def _row(name: str, row: tuple, beat: Any, base: dict[str, int]) -> tuple:
    if name == "place":
        return (beat.pk, *row, True)
    if name == "household":
        place, use, landlord, head, separated = row
        householder = None if head is None else base["person"] + head
        return (base["place"] + place, use, landlord, householder, separated, "", "", "", "")
    if name == "person":
        return (base["household"] + row[0], *row[1:], "")
    if name == "key_person":
        return (base["person"] + row[0], *row[1:])
    if name in ("shop", "enterprise"):
        return (base["place"] + row[0], *row[1:], "", False)
    return (base["place"] + row[0], *row[1:])
