"""Who reads and who edits the pocket book. Every staff role reads it (it is the bureau's book,
not a unit's data: no jurisdiction applies); the campaign office and its working team edit it.
An entry that does not exist is 404 for everyone."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from zoufang.core.roles import Role
from zoufang.knowledge.models import Chapter, Entry

if TYPE_CHECKING:
    from zoufang.org.models import User

EDITOR_ROLES = frozenset({Role.OFFICE, Role.WORKING_TEAM})


def may_read(user: User) -> bool:
    """Any login with a campaign role (or the superuser); an account without one reads nothing."""
    return bool(user.is_authenticated and (user.is_superuser or user.role))


def may_edit(user: User) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role in EDITOR_ROLES))


def check_read(user: User) -> None:
    if not may_read(user):
        raise PermissionDenied


def get_entry_for_user(user: User, slug: str, *, write: bool = False) -> Entry:
    check_read(user)
    entry = get_object_or_404(Entry.objects.select_related("chapter", "updated_by"), slug=slug)
    if write and not may_edit(user):
        raise PermissionDenied
    return entry


def get_chapter_for_user(user: User, slug: str) -> Chapter:
    check_read(user)
    return get_object_or_404(Chapter, slug=slug)
