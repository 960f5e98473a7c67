"""The audit trail you can trust (issue 17 part 3): append-only in the database, hash-chained
with `audit_verify`, kept at least 180 days, an auditor role that reads it and nothing else,
and sensitive actions refused when their audit entry cannot be written.

.ci/run runs this module a second time connected as the PostgreSQL application role
(ZF_AUDIT_AS_APP_ROLE=1); the tests that lift the triggers to play the attacker skip then,
and `test_the_application_role_cannot_lift_the_guard` shows why they have to."""

from __future__ import annotations

import datetime as dt
import io
import os

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone

from zoufang.core import append_only, audit
from zoufang.core.models import AuditHead, AuditSeal
from zoufang.core.roles import Role
from zoufang.org.tests.factories import UserFactory
from zoufang.registry import services
from zoufang.registry.crypto import decrypt
from zoufang.registry.models import KeyPerson
from zoufang.registry.tests import factories

AS_APP_ROLE = os.environ.get("ZF_AUDIT_AS_APP_ROLE") == "1"


def _current_user() -> str:
    if connection.vendor != "postgresql":
        return ""
    with connection.cursor() as cur:
        cur.execute("SELECT current_user")
        return cur.fetchone()[0]


def _needs_owner() -> None:
    """Skip the attacker's tests when connected as the application role (it cannot drop
    the triggers: see test_the_application_role_cannot_lift_the_guard)."""
    if AS_APP_ROLE:
        pytest.skip("connected as the application role, which cannot lift the triggers")


def _lift_guard() -> None:
    """Play someone who has the database owner's rights: drop the append-only triggers
    (inside the test's transaction; rolled back after it)."""
    sql = append_only.sqlite_drop() if connection.vendor == "sqlite" else append_only.pg_drop()
    with connection.cursor() as cur:
        for statement in sql:
            cur.execute(statement)


def _entry(what: str = "viewed", *, at: dt.datetime | None = None) -> LogEntry:
    ct = ContentType.objects.get_for_model(AuditHead)
    extra = {"timestamp": at} if at else {}
    return LogEntry.objects.create(
        content_type=ct, object_pk="1", object_repr=what, action=LogEntry.Action.ACCESS, **extra
    )


@pytest.fixture
def home_a(tree):
    place = factories.dwelling(tree.beat_a, road="文峰路", number="12", room="501")
    wang = factories.resident(place.household, name="王建国", phone="13803740001")
    return place, wang


def _verify_output() -> str:
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


# ---- the chain ---------------------------------------------------------------------------


def test_every_entry_is_sealed_in_order_and_the_chain_verifies(db):
    first, second, third = _entry("a"), _entry("b"), _entry("c")
    seals = list(
        AuditSeal.objects.filter(entry_id__in=[first.pk, second.pk, third.pk]).order_by("seq")
    )
    assert [s.entry_id for s in seals] == [first.pk, second.pk, third.pk]
    assert seals[1].prev == seals[0].digest
    assert seals[2].prev == seals[1].digest
    head = AuditHead.objects.get(pk=1)
    assert (head.seq, head.digest) == (seals[2].seq, seals[2].digest)
    assert "audit trail intact" in _verify_output()


def test_auditlog_changes_are_sealed_too(office):
    # Creating a user is recorded by django-auditlog's own signal; it is chained like ours.
    user = UserFactory(username="newcomer", role=Role.TEAM_MEMBER)
    entry = LogEntry.objects.get_for_object(user).get(action=LogEntry.Action.CREATE)
    assert AuditSeal.objects.filter(entry_id=entry.pk).exists()
    assert audit.verify().ok


def test_audit_verify_names_a_changed_entry(db):
    _needs_owner()
    _entry("a")
    target = _entry("b")
    _lift_guard()
    LogEntry.objects.filter(pk=target.pk).update(object_repr="nothing to see")
    with pytest.raises(CommandError, match="NOT intact"):
        call_command("audit_verify", stdout=io.StringIO(), stderr=io.StringIO())
    assert any(f"entry {target.pk} has been changed" in p for p in audit.verify().problems)


def test_audit_verify_names_a_deleted_entry_and_a_rewritten_link(db):
    _needs_owner()
    _entry("a")
    gone = _entry("b")
    _entry("c")
    _lift_guard()
    LogEntry.objects.filter(pk=gone.pk).delete()
    assert any(f"entry {gone.pk} has been deleted" in p for p in audit.verify().problems)
    # Deleting the link as well leaves a gap in the sequence.
    AuditSeal.objects.filter(entry_id=gone.pk).delete()
    assert any("missing" in p for p in audit.verify().problems)


def test_audit_verify_names_an_entry_written_around_the_chain(db):
    _entry("a")
    ct = ContentType.objects.get_for_model(AuditHead)
    # bulk_create sends no signal: the entry gets no seal.
    LogEntry.objects.bulk_create(
        [LogEntry(content_type=ct, object_pk="1", object_repr="x", action=LogEntry.Action.ACCESS)]
    )
    problems = audit.verify().problems
    assert any("carry no seal" in p for p in problems)


def test_a_forged_chain_without_the_key_does_not_verify(db, settings):
    _entry("a")
    _entry("b")
    settings.AUDIT_CHAIN_KEY = "someone-else's-key"
    assert not audit.verify().ok


# ---- append-only in the database ----------------------------------------------------------


def test_the_database_refuses_to_change_an_entry(db):
    entry = _entry("a")
    with pytest.raises(DatabaseError), transaction.atomic():
        LogEntry.objects.filter(pk=entry.pk).update(object_repr="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditSeal.objects.filter(entry_id=entry.pk).update(digest="0" * 64)
    assert LogEntry.objects.get(pk=entry.pk).object_repr == "a"


def _try(sql: str) -> int | None:
    """Rows the statement changed, or None when the database refused it."""
    try:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
            return cur.rowcount
    except DatabaseError:
        return None


def test_the_database_refuses_to_delete_a_young_entry(db):
    entry = _entry("a")
    # Refused by the triggers (SQLite, PostgreSQL) — or, for the application role, hidden
    # from DELETE by row-level security: nothing is deleted either way.
    assert not _try("DELETE FROM auditlog_logentry")
    assert not _try("DELETE FROM core_auditseal")
    assert LogEntry.objects.filter(pk=entry.pk).exists()
    assert AuditSeal.objects.filter(entry_id=entry.pk).exists()
    assert audit.verify().ok


# ---- retention ---------------------------------------------------------------------------


def test_retention_removes_only_expired_entries_and_the_chain_still_verifies(db, settings):
    settings.AUDIT_RETENTION_DAYS = 200
    now = timezone.now()
    old = [
        _entry("old 1", at=now - dt.timedelta(days=400)),
        _entry("old 2", at=now - dt.timedelta(days=300)),
    ]
    kept = [_entry("150 days", at=now - dt.timedelta(days=150)), _entry("today")]
    assert audit.purge_expired(now=now) == 2
    assert not LogEntry.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert LogEntry.objects.filter(pk__in=[e.pk for e in kept]).count() == 2
    purge = LogEntry.objects.get(additional_data__audit_purge__count=2)
    assert "removed" in purge.changes_text
    assert audit.verify().ok, audit.verify().problems


def test_retention_never_goes_below_180_days(db, settings):
    settings.AUDIT_RETENTION_DAYS = 30  # refused by the system check; the job keeps the floor
    now = timezone.now()
    entry = _entry("100 days", at=now - dt.timedelta(days=100))
    assert audit.purge_expired(now=now) == 0
    assert LogEntry.objects.filter(pk=entry.pk).exists()
    from zoufang.core.checks import audit_retention

    assert [e.id for e in audit_retention()] == ["zoufang.E017"]


# ---- fail closed: no audit entry, no data -------------------------------------------------


def _break_the_audit_write() -> None:
    """Make the next audit write fail in the database: a link already holds the sequence
    number the next seal needs (a unique-key violation), as a damaged chain table would."""
    head, _ = AuditHead.objects.get_or_create(pk=1)
    AuditSeal.objects.create(seq=head.seq + 1, entry_id=-1, at=timezone.now(), prev="x", digest="x")


def test_a_reveal_is_refused_when_its_audit_entry_cannot_be_written(officer_a, client_for, home_a):
    _place, wang = home_a
    client = client_for(officer_a)
    before = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count()
    _break_the_audit_write()
    response = client.post(f"/registry/persons/{wang.pk}/reveal/")
    assert response.status_code == 503
    assert decrypt(wang.id_enc) not in response.content.decode()
    assert "13803740001" not in response.content.decode()
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count() == before


def test_a_key_person_record_is_not_opened_without_its_audit_entry(officer_a, client_for, home_a):
    _place, wang = home_a
    services.key_person_set(
        person=wang, category="drugs", control_level="focus", by=services.Edit(None)
    )
    client = client_for(officer_a)
    _break_the_audit_write()
    response = client.get(f"/registry/persons/{wang.pk}/")
    assert response.status_code == 503
    assert "涉毒" not in response.content.decode()
    assert not LogEntry.objects.filter(object_pk=str(KeyPerson.objects.get().pk), action=3).exists()


def test_an_export_is_refused_when_its_audit_entry_cannot_be_written(officer_a, client_for, home_a):
    client = client_for(officer_a)
    _break_the_audit_write()
    response = client.get("/registry/persons/?export=xlsx")
    assert response.status_code == 503
    assert "attachment" not in response.get("Content-Disposition", "")


# ---- exports are logged -------------------------------------------------------------------


def test_an_export_is_logged_with_who_what_and_how_many_rows(officer_a, client_for, home_a):
    _place, wang = home_a
    factories.resident(wang.household, name="李秀英")
    from zoufang.registry.models import Person

    visible = Person.objects.visible_to(officer_a).count()
    response = client_for(officer_a).get(f"/registry/persons/?export=xlsx&q={decrypt(wang.id_enc)}")
    assert response.status_code == 200
    entry = LogEntry.objects.filter(additional_data__export__file="persons").get()
    assert entry.actor == officer_a
    info = entry.additional_data["export"]
    assert (
        info["rows"] == Person.objects.visible_to(officer_a).filter(pk=wang.pk).count() <= visible
    )
    assert f"({info['rows']} rows)" in entry.changes_text
    # The search term (a full ID number) is masked in the log.
    assert decrypt(wang.id_enc) not in str(entry.additional_data)
    assert AuditSeal.objects.filter(entry_id=entry.pk).exists()


def test_a_whole_list_export_counts_every_row_the_user_may_see(
    officer_a, officer_b, client_for, home_a
):
    from zoufang.registry.models import Person

    client_for(officer_b).get("/registry/persons/?export=xlsx")
    entry = LogEntry.objects.filter(additional_data__export__file="persons").get()
    assert entry.actor == officer_b
    assert entry.additional_data["export"]["rows"] == Person.objects.visible_to(officer_b).count()


# ---- the auditor role ---------------------------------------------------------------------


@pytest.fixture
def auditor(db):
    return UserFactory(username="auditor", role=Role.AUDITOR)


def test_the_auditor_reads_the_audit_trail(auditor, office, client_for):
    _entry("something seen")
    client = client_for(auditor)
    assert client.get("/audit/").status_code == 200
    home = client.get("/")
    assert home.status_code == 302
    assert home["Location"] == "/audit/"


@pytest.mark.parametrize(
    "path",
    [
        "/registry/persons/",
        "/registry/",
        "/findings/",
        "/visits/",
        "/dashboard/",
        "/org/",
        "/admin/",
        "/api/v1/findings/",
        "/supervision/",
        "/patrol/",
    ],
)
def test_the_auditor_reads_nothing_else(auditor, client_for, home_a, path):
    response = client_for(auditor).get(path)
    assert response.status_code == 403


def test_the_auditor_gets_no_api_token_access(auditor, db):
    from zoufang.org import services as org_services

    _token, key = org_services.api_token_create(user=auditor)
    response = Client().get("/api/v1/findings/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 401


def test_other_roles_still_may_not_read_the_trail(officer_a, client_for):
    assert client_for(officer_a).get("/audit/").status_code == 403
