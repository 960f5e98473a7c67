# ruff: noqa: S608 - table and column names come from constants of the loaders; values are
# always query parameters.
"""What the two staging loaders share: `StagingLoader`, the base of `places.PlaceLoader`
(households, shops, enterprises) and `keyrecords.KeyRecordLoader` (key persons, key items).

Per run, a temporary staging table on the job's connection; per batch, COPY (PostgreSQL) or
executemany (SQLite) into it, then plain SQL that both databases run: reject what must not be
loaded, write one history row per changed field, UPDATE what differs, INSERT the new records.
A blank cell never erases a stored value (`Col.mode`).

The COPY text is built here, in pure Python, so that the import's reader thread builds it
(`stage_rows`) while the database loads the previous batch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from zoufang.core.scope import Scope
from zoufang.registry.imports.specs import Rejection, Spec

# How a column's new value is derived from the staging row (s) and the stored one (t).
KEEP_BLANK, KEEP_NULL, ALWAYS = "keep_blank", "keep_null", "always"

# The history table's columns, as every history-writing statement of the loaders names them.
CHANGE_INSERT = (
    "INSERT INTO registry_change (entity, object_id, unit_path, field, old, new, "
    "actor_id, source, reference, job_id, created_at) "
)

# Staging column types (Spec.stage) in SQL.
SQL_TYPES = {
    "int": "bigint",
    "text": "text",
    "bool": "boolean",
    "date": "date",
    "decimal": "numeric(12, 2)",
}


@dataclass(frozen=True)
class Col:
    name: str  # column in the target table
    src: str  # expression on the staging row
    mode: str = KEEP_BLANK
    bool_: bool = False


def new_value(col: Col) -> str:
    """The column's value after the load, as an expression on `s` (staging) and `t` (stored)."""
    if col.mode == KEEP_BLANK:
        return f"COALESCE(NULLIF({col.src}, ''), t.{col.name})"
    if col.mode == KEEP_NULL:
        return f"COALESCE({col.src}, t.{col.name})"
    return col.src


def as_text(expr: str, bool_: bool) -> str:
    """An expression as the text a history row keeps (是 / 否 for a yes/no column)."""
    if bool_:
        return f"(CASE WHEN ({expr}) IS NULL THEN '' WHEN ({expr}) THEN '是' ELSE '否' END)"
    return f"COALESCE(CAST(({expr}) AS TEXT), '')"


def duplicate_reason(first: int) -> str:
    return _("Duplicate of row %(n)s in this file.") % {"n": first}


@dataclass
class BatchResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejections: list[Rejection] = field(default_factory=list)


@dataclass
class Staged:
    """A batch ready for the staging table: COPY text (PostgreSQL) or row tuples (SQLite)."""

    count: int
    data: bytes | list[tuple]


# COPY's text format, written here rather than by psycopg's Copy.write_row so that the reader
# thread can do it (write_row needs the connection's cursor, which belongs to the other
# thread). Only the four characters that text format escapes are escaped.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES) if _COPY_SPECIAL.search(value) else value
    return str(value)  # int, date


def copy_line(row: tuple) -> str:
    # Quick way first: every value as text, NULL as \N; the line is right as it stands when
    # it holds exactly the tabs between the values and the backslashes of the NULLs (no value
    # held a tab, a newline or a backslash). Otherwise every value is escaped.
    line = "\t".join([v if v.__class__ is str else _copy_value(v) for v in row])
    if (
        line.count("\t") == len(row) - 1
        and line.count("\\") == row.count(None)
        and "\n" not in line
        and "\r" not in line
    ):
        return line + "\n"
    return "\t".join(map(_copy_value, row)) + "\n"


class Found(dict[int, Rejection]):
    """The batch's rejected rows by file row: one reason per row, the first one found."""

    def __init__(self, labels: dict[str, str]) -> None:
        super().__init__()
        self.labels = labels

    def add(self, row_no: int, column: str, value: Any, reason: str) -> None:
        if row_no not in self:
            label = self.labels.get(column, column)
            self[row_no] = Rejection(int(row_no), label, str(value or "")[:255], reason)

    def in_row_order(self) -> list[Rejection]:
        return [self[n] for n in sorted(self)]


class StagingLoader:
    """One kind of file into its staging table and on into the registry: `setup` once,
    `stage_rows` (reader thread) and `load_batch` (one transaction, the caller's) per batch,
    `teardown` at the end. Subclasses say which tables (`suffixes`) and how a batch loads."""

    kinds: frozenset[str] = frozenset()
    # The staging tables of a run: `<stage><suffix>`.
    suffixes: tuple[str, ...] = ("",)

    def __init__(self, spec: Spec, *, job_id: int | None, actor_id: int | None, scope_path: str):
        if spec.kind not in self.kinds:
            raise ValueError(f"{type(self).__name__} loads {sorted(self.kinds)}, not {spec.kind}")
        self.spec = spec
        self.job_id = job_id
        self.actor_id = actor_id
        self.scope_path = scope_path
        # Raw-SQL jurisdiction checks spell the rule as core.scope does.
        self.scope = Scope(path=scope_path)
        self.stage = f"reg_stage_{spec.kind}"
        self.cols = [name for name, _type in spec.stage]
        self.pg = connection.vendor == "postgresql"
        self.labels = {c.key: c.label for c in spec.columns}

    # -- staging --------------------------------------------------------------------------

    def setup(self) -> None:
        raise NotImplementedError

    def teardown(self) -> None:
        with connection.cursor() as cur:
            self._drop(cur)

    def _drop(self, cur: Any) -> None:
        for suffix in self.suffixes:
            cur.execute(f"DROP TABLE IF EXISTS {self.stage}{suffix}")

    def _encode(self, rows: list[tuple]) -> Staged:
        """What _write sends: COPY text (PostgreSQL) or the tuples (SQLite)."""
        if not self.pg:
            return Staged(len(rows), rows)
        return Staged(len(rows), "".join(map(copy_line, rows)).encode())

    def _empty(self, cur: Any, *suffixes: str) -> None:
        """Empty staging tables. TRUNCATE on PostgreSQL: nothing vacuums temporary tables, so
        rows removed with DELETE would stay as dead tuples that every later batch scans."""
        verb = "TRUNCATE" if self.pg else "DELETE FROM"
        for suffix in suffixes:
            cur.execute(f"{verb} {self.stage}{suffix}")

    def _write(self, cur: Any, staged: Staged) -> None:
        """The batch into the (emptied) staging table."""
        names = ", ".join(self.cols)
        if self.pg:
            with cur.cursor.copy(f"COPY {self.stage} ({names}) FROM STDIN") as copy:
                copy.write(staged.data)
        elif staged.data:
            marks = ", ".join(["%s"] * len(self.cols))
            cur.executemany(f"INSERT INTO {self.stage} ({names}) VALUES ({marks})", staged.data)  # nosec B608 # identifiers from code (our staging/catalog names), values bound

    # -- rejections and history -----------------------------------------------------------

    def _delete_rows(self, cur: Any, numbers: list[int]) -> None:
        """Take rejected rows (file row numbers) out of the staging table."""
        for i in range(0, len(numbers), 500):
            chunk = numbers[i : i + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cur.execute(f"DELETE FROM {self.stage} WHERE row_no IN ({marks})", chunk)  # nosec B608 # identifiers from code (our staging/catalog names), values bound

    def _history_of(
        self, cur: Any, *, entity: str, field: str, old: str, new: str, rows: str, now: Any
    ) -> None:
        """One history row per changed record: `rows` is the FROM … WHERE over the staging
        row `s` and the stored record `t`; `old` and `new` are the values as text."""
        cur.execute(
            f"{CHANGE_INSERT}SELECT %s, t.id, t.unit_path, %s, {old}, {new}, %s, 'import', "  # nosec B608 # identifiers from code (our staging/catalog names), values bound
            f"CAST(s.row_no AS TEXT), %s, %s FROM {rows}",
            [entity, field, self.actor_id, self.job_id, now],
        )

    def load_batch(self, staged: Staged, *, now: Any) -> BatchResult:
        """Load one batch; the caller wraps it in a transaction."""
        raise NotImplementedError
