"""PostgreSQL: the application role cannot rewrite the audit trail, and the auditor role
reads it and nothing else (issue 17 part 3; zoufang.core.dbroles, `manage.py db_roles`).

On the superuser's connection (CI's first pass, a developer's run) each test grants the roles
inside its own transaction and switches to them with SET LOCAL ROLE. .ci/run then runs this
module and test_audit_trail.py again *connected as* the application role
(ZF_AUDIT_AS_APP_ROLE=1), after `manage.py db_roles` has granted it on the test database."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from zoufang.core import audit, dbroles
from zoufang.core.models import AuditHead, AuditSeal

pytestmark = pytest.mark.postgres

AS_APP_ROLE = os.environ.get("ZF_AUDIT_AS_APP_ROLE") == "1"


def _sql(statement: str) -> int:
    with connection.cursor() as cur:
        cur.execute(statement)
        return cur.rowcount


def _refused(statement: str) -> str:
    """The database's refusal of `statement` (its message); fails when it is not refused."""
    try:
        with transaction.atomic():
            _sql(statement)
    except DatabaseError as exc:
        return str(exc)
    pytest.fail(f"not refused: {statement}")


def _current_user() -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT current_user")
        return cur.fetchone()[0]


def _grant() -> None:
    """`manage.py db_roles`, inside the test's transaction (the rows the fixtures wrote have
    their foreign-key checks run first: PostgreSQL alters no table with checks pending)."""
    _sql("SET CONSTRAINTS ALL IMMEDIATE")
    dbroles.apply()


@pytest.fixture
def app_role(db):
    """The connection acting as the application role (see the module's docstring)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL roles; on SQLite the triggers are the control")
    if AS_APP_ROLE:
        assert _current_user() == settings.DB_APP_ROLE, "ZF_AUDIT_AS_APP_ROLE without the role"
        return settings.DB_APP_ROLE
    _grant()
    _sql(f"SET LOCAL ROLE {settings.DB_APP_ROLE}")
    return settings.DB_APP_ROLE


def test_the_application_role_writes_the_trail(app_role, office, client_for):
    entry = audit.record(actor=office, what="full ID number and phone", obj=office)
    assert AuditSeal.objects.filter(entry_id=entry.pk).exists()
    assert AuditHead.objects.get(pk=1).seq == AuditSeal.objects.get(entry_id=entry.pk).seq
    assert audit.verify().ok


def test_the_application_role_cannot_change_or_empty_the_trail(app_role, office):
    entry = audit.record(actor=office, what="seen", obj=office)
    for table in ("auditlog_logentry", "core_auditseal"):
        assert "permission denied" in _refused(f"UPDATE {table} SET id = id")  # noqa: S608
        assert "permission denied" in _refused(f"TRUNCATE {table}")
        # DELETE is narrowed by row-level security to rows older than 180 days.
        assert _sql(f"DELETE FROM {table}") == 0  # noqa: S608
    assert LogEntry.objects.filter(pk=entry.pk).exists()
    assert audit.verify().ok


def test_the_application_role_cannot_lift_the_guard(app_role):
    assert "must be owner" in _refused("DROP TRIGGER zf_append_only ON auditlog_logentry")
    assert "must be owner" in _refused("ALTER TABLE auditlog_logentry DISABLE ROW LEVEL SECURITY")
    assert "must be owner" in _refused("DROP POLICY zf_expire ON auditlog_logentry")


def test_the_application_role_may_remove_only_what_retention_allows(app_role, settings):
    settings.AUDIT_RETENTION_DAYS = 180
    now = timezone.now()
    ct = ContentType.objects.get_for_model(AuditHead)
    old = LogEntry.objects.create(
        content_type=ct,
        object_pk="1",
        object_repr="old",
        action=LogEntry.Action.ACCESS,
        timestamp=now - dt.timedelta(days=400),
    )
    young = audit.record(actor=None, obj=audit.system_target(), what="young")
    assert audit.purge_expired(now=now) == 1
    assert not LogEntry.objects.filter(pk=old.pk).exists()
    assert LogEntry.objects.filter(pk=young.pk).exists()
    assert audit.verify().ok


def test_the_auditor_role_reads_the_trail_and_nothing_else(db, office):
    if connection.vendor != "postgresql" or AS_APP_ROLE:
        pytest.skip("needs the superuser to switch to the auditor role")
    audit.record(actor=office, what="seen", obj=office)
    _grant()
    _sql(f"SET LOCAL ROLE {settings.DB_AUDITOR_ROLE}")
    assert _sql("SELECT id FROM auditlog_logentry") >= 1
    assert _sql("SELECT seq FROM core_auditseal") >= 1
    for table in ("registry_person", "org_user", "findings_finding"):
        assert "permission denied" in _refused(f"SELECT 1 FROM {table}")  # noqa: S608
    assert "permission denied" in _refused(
        "INSERT INTO core_audithead (seq, digest) VALUES (9, '')"
    )


def test_db_roles_is_idempotent(db):
    if connection.vendor != "postgresql" or AS_APP_ROLE:
        pytest.skip("needs the superuser")
    _grant()
    first = dbroles.apply()
    again = dbroles.apply()
    assert not any(again["created"].values())
    assert first["database"] == again["database"]
