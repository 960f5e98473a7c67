"""PostgreSQL roles for an audit trail the application cannot rewrite (decision 0036).

- The **application role** (`DB_APP_ROLE`, zoufang_app): what the web and worker processes
  connect as in production. Every table's rows, except that on the audit tables
  (`append_only.TABLES`) it holds no UPDATE and no TRUNCATE, and its DELETE is narrowed by a
  row-level security policy to rows older than the retention floor (the retention job).
- The **auditor role** (`DB_AUDITOR_ROLE`, zoufang_auditor): SELECT on the audit tables (and
  the content types they name), nothing else.

The tables belong to whoever runs the migrations (the owner, e.g. `postgres`); run
`manage.py db_roles` as that owner after every `migrate` (it is idempotent; it also sets the
default privileges so that tables created later are granted to the application role).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection

from zoufang.core.append_only import FLOOR_DAYS, TABLES

AUDITOR_EXTRA_TABLES = ("django_content_type",)


def _ident(name: str) -> str:
    return connection.ops.quote_name(name)


def ensure_role(cursor: Any, role: str, *, login: bool = True, password: str | None = None) -> bool:
    """Create `role` when missing; True when it was created. Never alters an existing role's
    attributes other than its password when one is given."""
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    created = cursor.fetchone() is None
    if created:
        cursor.execute(
            f"CREATE ROLE {_ident(role)} {'LOGIN' if login else 'NOLOGIN'} NOSUPERUSER NOCREATEDB NOCREATEROLE"
        )
    if password:
        cursor.execute(f"ALTER ROLE {_ident(role)} PASSWORD %s", [password])
    return created


def grant_statements(app: str, auditor: str, database: str, owner: str) -> list[str]:
    a, r = _ident(app), _ident(auditor)
    out = [
        f"GRANT CONNECT ON DATABASE {_ident(database)} TO {a}, {r}",
        f"GRANT USAGE ON SCHEMA public TO {a}, {r}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {a}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {a}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {_ident(owner)} IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {a}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {_ident(owner)} IN SCHEMA public "
        f"GRANT USAGE, SELECT ON SEQUENCES TO {a}",
        # The auditor: nothing in this database but what follows.
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {r}",
    ]
    for table in AUDITOR_EXTRA_TABLES:
        out.append(f"GRANT SELECT ON {_ident(table)} TO {r}")
    for table, col in TABLES.items():
        t = _ident(table)
        out += [
            f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {t} FROM {a}",
            f"GRANT SELECT, INSERT, DELETE ON {t} TO {a}",
            f"GRANT SELECT ON {t} TO {r}",
            f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY",
            f"DROP POLICY IF EXISTS zf_read ON {t}",
            f"DROP POLICY IF EXISTS zf_append ON {t}",
            f"DROP POLICY IF EXISTS zf_expire ON {t}",
            f"CREATE POLICY zf_read ON {t} FOR SELECT TO {a}, {r} USING (true)",
            f"CREATE POLICY zf_append ON {t} FOR INSERT TO {a} WITH CHECK (true)",
            f"CREATE POLICY zf_expire ON {t} FOR DELETE TO {a} "
            f"USING ({_ident(col)} < now() - interval '{FLOOR_DAYS} days')",
        ]
    # The chain's head row is updated on every write (it is checked against the chain).
    return out


def apply(*, password: str | None = None, auditor_password: str | None = None) -> dict[str, Any]:
    """Create the two roles when missing and (re)grant them on the current database."""
    if connection.vendor != "postgresql":
        raise RuntimeError("db_roles is for PostgreSQL; on SQLite the triggers are the control")
    app, auditor = settings.DB_APP_ROLE, settings.DB_AUDITOR_ROLE
    with connection.cursor() as cursor:
        created = {
            app: ensure_role(cursor, app, password=password),
            auditor: ensure_role(cursor, auditor, password=auditor_password),
        }
        cursor.execute("SELECT current_database(), current_user")
        database, owner = cursor.fetchone()
        for statement in grant_statements(app, auditor, database, owner):
            cursor.execute(statement)
    return {"database": database, "owner": owner, "created": created}
