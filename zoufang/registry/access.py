"""Who may see what in the registry, beyond the jurisdiction subtree (which core.scope decides).

- Key persons (重点人员): the leadership group, the campaign office and working team, the
  supervision group (campaign-wide); county administrators and station chiefs who hold
  `can_view_sensitive`, in their subtree; and the community officer of the beat, who visits
  them. Team members (auxiliaries, desk officers) and researchers never.
- Full ID numbers and phones: the same people, one record at a time, each view audited.
  Lists and exports show masked values (4101**********123X, 138****5678).
- Editing records from the pages: the campaign office and working team, county
  administrators, station chiefs and community officers, in their subtree. Team members,
  researchers, supervisors and the leadership group read only.
- Importing files: the same roles, into a unit of their subtree; a key-person file only for
  who may see key persons.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404

from zoufang.core.audit import record
from zoufang.core.roles import CAMPAIGN_WIDE_ROLES, Role
from zoufang.core.scope import user_scope
from zoufang.registry.models import ImportJob, KeyPerson, Person, Place

if TYPE_CHECKING:
    from zoufang.org.models import Unit, User

SENSITIVE_UNIT_ROLES = frozenset({Role.COUNTY_ADMIN, Role.STATION_CHIEF})
EDIT_ROLES = frozenset(
    {
        Role.OFFICE,
        Role.WORKING_TEAM,
        Role.COUNTY_ADMIN,
        Role.STATION_CHIEF,
        Role.COMMUNITY_OFFICER,
    }
)

IMPORT_ROLES = EDIT_ROLES


def may_edit_registry(user: User, path: str) -> bool:
    """May `user` change the registry record at `path` from the pages?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if not user_scope(user).contains(path):
        return False
    if user.is_superuser:
        return True
    return user.role in EDIT_ROLES


def may_see_key_persons(user: User, path: str | None = None) -> bool:
    """May `user` see key-person records (at `path`, or anywhere in their scope)?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if path is not None and not user_scope(user).contains(path):
        return False
    if user.is_superuser or user.role in CAMPAIGN_WIDE_ROLES:
        return True
    if user.role in SENSITIVE_UNIT_ROLES:
        return bool(user.can_view_sensitive)
    return user.role == Role.COMMUNITY_OFFICER


def may_see_full_values(user: User, path: str) -> bool:
    """May `user` reveal the full ID number and phone of a record at `path`?"""
    return may_see_key_persons(user, path)


def may_use_imports(user: User) -> bool:
    """May `user` open the import pages at all (their role imports somewhere)?"""
    return user.is_superuser or user.role in IMPORT_ROLES


def may_import(user: User, unit: Unit, kind: str = "") -> bool:
    """May `user` import into `unit` (a file of `kind`, when given)?"""
    if not getattr(user, "is_authenticated", False):
        return False
    if not may_use_imports(user):
        return False
    if kind == "key_person" and not may_see_key_persons(user, unit.path):
        return False  # who may not see key persons may not write them either
    return user_scope(user).contains(unit.path)


def import_kinds_for(user: User) -> list[tuple[str, str]]:
    """The kinds of file `user` may import (the page's choice and its template links)."""
    return [
        (value, label)
        for value, label in ImportJob.Kind.choices
        if value != ImportJob.Kind.KEY_PERSON or may_see_key_persons(user)
    ]


# ---- getters: 404 for missing and for outside the user's subtree alike ----------------------


def get_place_for_user(user: User, pk: int) -> Place:
    return get_object_or_404(Place.objects.visible_to(user).select_related("beat"), pk=pk)


def get_person_for_user(user: User, pk: int) -> Person:
    return get_object_or_404(
        Person.objects.visible_to(user).select_related("household__place"), pk=pk
    )


def get_key_person_for_user(user: User, pk: int) -> KeyPerson:
    record = get_object_or_404(
        KeyPerson.objects.visible_to(user).select_related("person__household__place"), pk=pk
    )
    if not may_see_key_persons(user, record.unit_path):
        raise Http404
    return record


def get_import_job_for_user(user: User, pk: int) -> ImportJob:
    job = get_object_or_404(ImportJob.objects.visible_to(user).select_related("unit"), pk=pk)
    # A key-person import's rejected rows name key persons: restricted like the records.
    if job.kind == ImportJob.Kind.KEY_PERSON and not may_see_key_persons(user, job.unit_path):
        raise Http404
    return job


def audit_access(*, user: User, obj: models.Model, what: str) -> None:
    """One row in the audit trail (auditlog, action ACCESS) for one view of personal data.
    Raises `zoufang.core.audit.AuditUnavailable` when it cannot be written: the caller has
    not shown anything yet, and the request ends in a 503 saying why (fail closed)."""
    record(actor=user, obj=obj, what=what)
