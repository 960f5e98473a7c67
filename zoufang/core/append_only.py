"""The database's own refusal to change the audit trail (decision 0036).

The append-only tables and the column retention deletes them by. On SQLite, triggers refuse
every UPDATE, and every DELETE of a row younger than the retention floor. On PostgreSQL the
same triggers (for every role, the superuser included, short of dropping them, which takes the
table's owner) plus the application role's grants and a row-level security policy
(`manage.py db_roles`): the role the application connects as holds no UPDATE or TRUNCATE on
these tables, and may DELETE only rows older than the floor.

SQLite has no roles: its triggers stop every code path of the application (the ORM, raw SQL,
a bulk update) but not someone who can write the database file; docs/security.md says so.
"""

from __future__ import annotations

FLOOR_DAYS = 180  # = zoufang.core.audit.RETENTION_FLOOR_DAYS (core.audit imports models)

# table -> the timestamp column retention deletes by
TABLES = {"auditlog_logentry": "timestamp", "core_auditseal": "at"}


def sqlite_create(tables: list[str] | None = None) -> list[str]:
    out = []
    for table in tables or list(TABLES):
        col = TABLES[table]
        out += [
            f"CREATE TRIGGER IF NOT EXISTS zf_no_update_{table} BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'audit trail is append-only: {table} rows cannot be "
            "changed'); END",
            f"CREATE TRIGGER IF NOT EXISTS zf_no_delete_{table} BEFORE DELETE ON {table} "
            f"WHEN OLD.{col} >= datetime('now', '-{FLOOR_DAYS} days') "
            f"BEGIN SELECT RAISE(ABORT, 'audit trail is append-only: {table} rows younger than "
            f"{FLOOR_DAYS} days cannot be deleted'); END",
        ]
    return out


def sqlite_drop(tables: list[str] | None = None) -> list[str]:
    out = []
    for table in tables or list(TABLES):
        out += [f"DROP TRIGGER IF EXISTS zf_no_update_{table}"]
        out += [f"DROP TRIGGER IF EXISTS zf_no_delete_{table}"]
    return out


PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION zf_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF (to_jsonb(OLD) ->> TG_ARGV[0])::timestamptz < now() - interval '{FLOOR_DAYS} days' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit trail is append-only: % rows younger than {FLOOR_DAYS} days cannot be deleted', TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RAISE EXCEPTION 'audit trail is append-only: % rows cannot be changed', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$
"""


def pg_create() -> list[str]:
    out = [PG_FUNCTION]
    for table, col in TABLES.items():
        out += [
            f"DROP TRIGGER IF EXISTS zf_append_only ON {table}",
            f"CREATE TRIGGER zf_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION zf_audit_append_only('{col}')",
        ]
    return out


def pg_drop() -> list[str]:
    out = [f"DROP TRIGGER IF EXISTS zf_append_only ON {table}" for table in TABLES]
    return [*out, "DROP FUNCTION IF EXISTS zf_audit_append_only()"]


def create(schema_editor) -> None:  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    sql = sqlite_create() if vendor == "sqlite" else pg_create() if vendor == "postgresql" else []
    for statement in sql:
        schema_editor.execute(statement, params=None)


def drop(schema_editor) -> None:  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    sql = sqlite_drop() if vendor == "sqlite" else pg_drop() if vendor == "postgresql" else []
    for statement in sql:
        schema_editor.execute(statement, params=None)
