"""Django's SQLite backend, with a flush that keeps the audit trail's append-only triggers.

`manage.py flush` (and the test runner between transactional tests) empties every table with
DELETE, which the triggers refuse for rows younger than 180 days. Emptying the whole database
is an operator's deliberate act, not a code path of the application: the flush lifts the
triggers for its own statements and puts them back after them (zoufang.core.append_only)."""

from __future__ import annotations

from typing import Any

from django.db.backends.sqlite3 import base, operations

from zoufang.core import append_only


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style: Any, tables: Any, **kwargs: Any) -> list[str]:
        sql = super().sql_flush(style, tables, **kwargs)
        guarded = [t for t in append_only.TABLES if t in tables]
        if not guarded or not sql:
            return sql
        return [*append_only.sqlite_drop(guarded), *sql, *append_only.sqlite_create(guarded)]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
