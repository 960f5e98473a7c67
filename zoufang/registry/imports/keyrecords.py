# ruff: noqa: S608 - table and column names come from constants in this module; values
# are always query parameters.
"""Set-based loading of key persons (重点人员) and key items (重点物品), which attach to records
already in the registry: a key person to a person (found by the ID number hash), a key item to
a place (found by its address code).

A `staging.StagingLoader` like `places.PlaceLoader` (setup, stage_rows, load_batch, teardown),
the same shape per batch: COPY (PostgreSQL) or executemany (SQLite) into a temporary staging table,
then plain SQL that both databases run — look the person or place up, reject what must not be
loaded (duplicates within the file, a person or place not in the registry or outside the
job's subtree), write one history row per changed field, UPDATE what differs, INSERT the new
records. A blank cell never erases a stored value.

Natural keys: a key person is its person (one record per person); a key item is (place, kind,
name). Re-importing the same file finds every record and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from zoufang.registry.imports.specs import Rejection, Spec
from zoufang.registry.imports.staging import (
    ALWAYS,
    KEEP_NULL,
    SQL_TYPES,
    BatchResult,
    Col,
    Found,
    Staged,
    StagingLoader,
    as_text,
    duplicate_reason,
    new_value,
)


@dataclass(frozen=True)
class _Shape:
    entity: str  # Change.entity of the history rows
    table: str
    keys: tuple[str, ...]  # staging columns of the natural key within the file
    # Staging columns the loader fills: the person or place found (id, path), the record found.
    find_target: str
    find_record: str
    cols: tuple[Col, ...]  # tracked columns: history and update
    insert: dict[str, str]  # columns of a new record -> expression on the staging row


def _shape(kind: str, stage: str) -> _Shape:
    if kind == "key_person":
        return _Shape(
            entity="key_person",
            table="registry_keyperson",
            keys=("id_hash",),
            # The unique index on id_hash is partial (blank hashes excluded): the condition
            # says so, so that the planner uses it.
            find_target=(
                f"UPDATE {stage} SET target_id = p.id, target_path = p.unit_path "  # nosec B608 # identifiers from code (our staging/catalog names), values bound
                f"FROM registry_person p WHERE p.id_hash = {stage}.id_hash AND p.id_hash <> ''"
            ),
            find_record=(
                f"UPDATE {stage} SET record_id = k.id FROM registry_keyperson k "  # nosec B608 # identifiers from code (our staging/catalog names), values bound
                f"WHERE k.person_id = {stage}.target_id"
            ),
            cols=(
                Col("category", "s.category"),
                Col("control_level", "s.control_level"),
                Col("note", "s.note"),
                # The record lives where its person lives.
                Col("unit_path", "s.target_path", ALWAYS),
            ),
            insert={
                "person_id": "s.target_id",
                "unit_path": "s.target_path",
                "category": "s.category",
                "control_level": "s.control_level",
                "note": "COALESCE(s.note, '')",
            },
        )
    return _Shape(
        entity="key_item",
        table="registry_keyitem",
        keys=("address_code", "kind", "name"),
        find_target=(
            f"UPDATE {stage} SET target_id = pl.id, target_path = pl.unit_path "  # nosec B608 # identifiers from code (our staging/catalog names), values bound
            f"FROM registry_place pl WHERE pl.address_code = {stage}.address_code"
        ),
        # Items entered by hand may repeat (place, kind, name): the oldest one is the record.
        find_record=(
            f"UPDATE {stage} SET record_id = (SELECT MIN(k.id) FROM registry_keyitem k "  # nosec B608 # identifiers from code (our staging/catalog names), values bound
            f"WHERE k.place_id = {stage}.target_id AND k.kind = {stage}.kind "
            f"AND k.name = {stage}.name) WHERE target_id IS NOT NULL"
        ),
        cols=(
            Col("quantity", "s.quantity", KEEP_NULL),
            Col("measure", "s.measure"),
            Col("holder", "s.holder"),
            Col("storage", "s.storage"),
        ),
        insert={
            "place_id": "s.target_id",
            "unit_path": "s.target_path",
            "kind": "s.kind",
            "name": "s.name",
            "quantity": "COALESCE(s.quantity, 0)",
            "measure": "COALESCE(s.measure, '')",
            "holder": "COALESCE(s.holder, '')",
            "storage": "COALESCE(s.storage, '')",
        },
    )


class KeyRecordLoader(StagingLoader):
    """Key persons (onto stored persons) and key items (onto stored places)."""

    kinds = frozenset({"key_person", "key_item"})
    suffixes = ("", "_seen")

    def __init__(self, spec: Spec, *, job_id: int | None, actor_id: int | None, scope_path: str):
        super().__init__(spec, job_id=job_id, actor_id=actor_id, scope_path=scope_path)
        self.shape = _shape(spec.kind, self.stage)

    # -- staging --------------------------------------------------------------------------

    def setup(self) -> None:
        st = self.stage
        cols = ", ".join(f"{name} {SQL_TYPES[t]}" for name, t in self.spec.stage)
        types = dict(self.spec.stage)
        keys = ", ".join(f"{k} {SQL_TYPES[types[k]]}" for k in self.shape.keys)
        # The found record's path is compared with the job's scope as a range (core.scope):
        # byte order, as the registry's path columns have on PostgreSQL.
        path_type = 'text COLLATE "C"' if self.pg else "text"
        with connection.cursor() as cur:
            self._drop(cur)
            cur.execute(
                f"CREATE TEMPORARY TABLE {st} ({cols}, "
                f"target_id bigint, target_path {path_type}, record_id bigint)"
            )
            # The natural keys of the rows earlier batches loaded: a later repeat is rejected.
            cur.execute(
                f"CREATE TEMPORARY TABLE {st}_seen ({keys}, row_no bigint, "
                f"PRIMARY KEY ({', '.join(self.shape.keys)}))"
            )

    def stage_rows(self, rows: list[tuple]) -> Staged:
        """What _fill writes: COPY text (PostgreSQL) or the tuples (SQLite). Pure Python, so
        the import's reader thread does it."""
        return self._encode(list(rows))

    def _fill(self, cur: Any, staged: Staged) -> None:
        self._empty(cur, "")
        self._write(cur, staged)
        if self.pg:
            cur.execute(f"ANALYZE {self.stage}")

    # -- rejections -----------------------------------------------------------------------

    def _reject(self, cur: Any) -> list[Rejection]:
        """Find the rows that must not be loaded, say why (one reason per row), delete them
        from the staging table."""
        person = self.spec.kind == "key_person"
        # What a rejection shows: the masked ID number (with the name the file gave), or the
        # address as the file gave it and the item.
        shown = (
            "s.row_no, s.name, s.id_masked"
            if person
            else "s.row_no, s.address_code, s.address, s.name"
        )
        found = Found(self.labels)

        def add(row: tuple, reason: str, column: str = "") -> None:
            if person:
                column = column or "id_number"
                value = " ".join(v for v in (row[1], row[2]) if v)
            elif column == "name":
                value = row[3] or ""
            else:
                column = column or ("road" if row[2] else "address_code")
                value = row[2] or row[1] or ""
            found.add(row[0], column, value, reason)

        self._reject_repeats(cur, shown, add, "" if person else "name")
        self._reject_missing_or_outside(cur, shown, add)
        if person:
            self._reject_incomplete(cur, shown, add)
        else:
            # A beat named in the row that is not the place's own.
            for row in self._select(
                cur,
                shown,
                "s.target_id IS NOT NULL AND s.unit_path <> '' AND s.unit_path <> s.target_path",
            ):
                add(row, _("This address code belongs to another beat."), "address_code")
        if found:
            self._delete_rows(cur, sorted(found))
        return found.in_row_order()

    def _select(self, cur: Any, shown: str, where: str, params: list | None = None) -> list:
        cur.execute(f"SELECT {shown} FROM {self.stage} s WHERE {where}", params or [])  # nosec B608 # identifiers from code (our staging/catalog names), values bound
        return cur.fetchall()

    def _reject_repeats(self, cur: Any, shown: str, add: Any, column: str) -> None:
        # Repeats of an earlier batch's row first, so that every repeat names the file's
        # first row; then repeats within the batch.
        st, keys = self.stage, self.shape.keys
        same = " AND ".join(f"f.{k} = s.{k}" for k in keys)
        cur.execute(f"SELECT {shown}, f.row_no FROM {st} s JOIN {st}_seen f ON {same}")  # nosec B608 # identifiers from code (our staging/catalog names), values bound
        for *row, first in cur.fetchall():
            add(row, duplicate_reason(first), column)
        cur.execute(
            f"SELECT {shown}, f.r FROM {st} s JOIN (SELECT {', '.join(keys)}, MIN(row_no) r "  # nosec B608 # identifiers from code (our staging/catalog names), values bound
            f"FROM {st} GROUP BY {', '.join(keys)}) f ON {same} WHERE s.row_no > f.r"
        )
        for *row, first in cur.fetchall():
            add(row, duplicate_reason(first), column)

    def _reject_missing_or_outside(self, cur: Any, shown: str, add: Any) -> None:
        person = self.spec.kind == "key_person"
        missing = (
            _("This person is not in the registry: import the household first.")
            if person
            else _(
                "This address is not in the registry: import the household, shop or "
                "enterprise first."
            )
        )
        for row in self._select(cur, shown, "s.target_id IS NULL"):
            add(row, missing)
        inside, params = self.scope.sql("s.target_path")
        outside = (
            _("This person is registered in another jurisdiction.")
            if person
            else _("This address is outside your jurisdiction.")
        )
        for row in self._select(cur, shown, f"s.target_id IS NOT NULL AND NOT {inside}", params):
            add(row, outside)

    def _reject_incomplete(self, cur: Any, shown: str, add: Any) -> None:
        # A new key person needs a category and a control level; for a stored one a blank
        # cell keeps what is there.
        for column in ("category", "control_level"):
            reason = _("%(column)s is missing: a new key person needs it.") % {
                "column": self.labels[column]
            }
            for row in self._select(cur, shown, f"s.record_id IS NULL AND s.{column} = ''"):
                add(row, reason, column)

    # -- writing --------------------------------------------------------------------------

    def _differs(self) -> str:
        return " OR ".join(f"t.{c.name} IS DISTINCT FROM {new_value(c)}" for c in self.shape.cols)

    def _history(self, cur: Any, now: Any) -> None:
        shape = self.shape
        for col in shape.cols:
            new = new_value(col)
            self._history_of(
                cur,
                entity=shape.entity,
                field=col.name,
                old=as_text("t." + col.name, col.bool_),
                new=as_text(new, col.bool_),
                rows=f"{self.stage} s JOIN {shape.table} t ON t.id = s.record_id "
                f"WHERE t.{col.name} IS DISTINCT FROM {new}",
                now=now,
            )

    def load_batch(self, staged: Staged, *, now: Any) -> BatchResult:
        """Load one batch; the caller wraps it in a transaction."""
        st, shape = self.stage, self.shape
        result = BatchResult()
        with connection.cursor() as cur:
            self._fill(cur, staged)
            cur.execute(shape.find_target)
            cur.execute(shape.find_record)
            result.rejections = self._reject(cur)
            keys = ", ".join(shape.keys)
            cur.execute(f"INSERT INTO {st}_seen ({keys}, row_no) SELECT {keys}, row_no FROM {st}")  # nosec B608 # identifiers from code (our staging/catalog names), values bound
            cur.execute(
                f"SELECT COUNT(*), COUNT(s.record_id), "  # nosec B608 # identifiers from code (our staging/catalog names), values bound
                f"COUNT(CASE WHEN t.id IS NOT NULL AND ({self._differs()}) THEN 1 END) "
                f"FROM {st} s LEFT JOIN {shape.table} t ON t.id = s.record_id"
            )
            accepted, existing, changed = cur.fetchone()
            if changed:
                self._history(cur, now)
                sets = ", ".join(f"{c.name} = {new_value(c)}" for c in shape.cols)
                cur.execute(
                    f"UPDATE {shape.table} AS t SET {sets}, updated_at = %s FROM {st} s "  # nosec B608 # identifiers from code (our staging/catalog names), values bound
                    f"WHERE t.id = s.record_id AND ({self._differs()})",
                    [now],
                )
            if accepted > existing:
                cols = [*shape.insert, "created_at", "updated_at"]
                values = [*shape.insert.values(), "%s", "%s"]
                cur.execute(
                    f"INSERT INTO {shape.table} ({', '.join(cols)}) SELECT {', '.join(values)} "  # nosec B608 # identifiers from code (our staging/catalog names), values bound
                    f"FROM {st} s WHERE s.record_id IS NULL",
                    [now, now],
                )
        result.created = accepted - existing
        result.updated = changed
        result.unchanged = existing - changed
        return result
