"""Building blocks every domain app uses: the path column and the scoped queryset."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.db import models

from zoufang.core.scope import subtree_q, user_scope

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser as User  # settings.AUTH_USER_MODEL


class PathField(models.CharField):
    """A materialized unit path such as "411000/411002/41100251/".

    On PostgreSQL the column gets the "C" collation so that a btree index serves
    `LIKE 'prefix%'` (the subtree query) as a range scan. Other databases keep their default,
    which already compares bytes (SQLite). It is computed per connection, so migrations
    stay portable.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 255)
        super().__init__(*args, **kwargs)

    def db_parameters(self, connection: Any) -> dict[str, Any]:
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


class ScopedQuerySet(models.QuerySet):
    """A queryset of rows that belong to a unit; `visible_to` keeps the user's subtree."""

    scope_field = "unit_path"

    def visible_to(self, user: User) -> Self:
        return self.filter(user_scope(user).q(self.scope_field))

    def in_subtree(self, path: str) -> Self:
        return self.filter(subtree_q(self.scope_field, path))


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def scoped_models() -> list[type[models.Model]]:
    """Every concrete model with a `unit_path` column (used when a unit moves)."""
    from django.apps import apps

    return [
        m
        for m in apps.get_models()
        if any(f.name == "unit_path" for f in m._meta.concrete_fields) and not m._meta.proxy
    ]


class AuditSeal(models.Model):
    """One link of the audit trail's hash chain: the keyed digest of one audit log entry and
    of the link before it (see zoufang.core.audit). Append-only like the entries it seals:
    SQLite triggers and, on PostgreSQL, the application role's grants refuse changes."""

    seq = models.BigIntegerField(unique=True)
    entry_id = models.BigIntegerField(unique=True)  # auditlog's LogEntry.pk (no FK: no cascade)
    at = models.DateTimeField()  # the entry's timestamp: retention deletes by it
    prev = models.CharField(max_length=64)
    digest = models.CharField(max_length=64)

    class Meta:
        verbose_name = "audit seal"

    def __str__(self) -> str:
        return f"audit link {self.seq}"


class AuditHead(models.Model):
    """The chain's newest link (one row, pk=1), locked while a link is added so that two
    writers never chain onto the same predecessor."""

    seq = models.BigIntegerField(default=0)
    digest = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return "audit trail"
