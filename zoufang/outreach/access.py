"""Who may see and do what in outreach. Staff pages are scoped like every list (a unit sees
its subtree; 404 for an event, an issue or a submission outside it, missing or not); the
moderation queue belongs to the campaign office."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from zoufang.core.roles import Role
from zoufang.core.scope import user_manages, user_scope
from zoufang.outreach.models import DriveEvent, PublicSubmission

if TYPE_CHECKING:
    from zoufang.org.models import Unit, User

MODERATOR_ROLES = frozenset({Role.OFFICE, Role.WORKING_TEAM})
# Who records drive events: the units' managers and the beats' officers.
RECORDER_ROLES = frozenset(
    {Role.OFFICE, Role.WORKING_TEAM, Role.COUNTY_ADMIN, Role.STATION_CHIEF, Role.COMMUNITY_OFFICER}
)


def may_see(user: User) -> bool:
    return not user_scope(user).nothing


def may_moderate(user: User) -> bool:
    return bool(user.is_superuser or user.role in MODERATOR_ROLES)


def may_record_event(user: User, unit: Unit) -> bool:
    if user.is_superuser:
        return True
    return user.role in RECORDER_ROLES and user_scope(user).contains(unit.path)


def may_issue(user: User, unit: Unit) -> bool:
    """Stock is issued by the managers above or at the unit (office, county, station)."""
    return user_manages(user, unit.path)


def may_print(user: User, beat: Unit) -> bool:
    """A beat's leaflets are printed by anyone who sees the beat (its chief prints a batch)."""
    return user_scope(user).contains(beat.path)


def get_event_for_user(user: User, pk: int) -> DriveEvent:
    return get_object_or_404(
        DriveEvent.objects.visible_to(user).select_related("drive", "unit", "place"), pk=pk
    )


def get_submission_for_user(user: User, pk: int, *, moderate: bool = False) -> PublicSubmission:
    submission = get_object_or_404(
        PublicSubmission.objects.visible_to(user).select_related("beat"), pk=pk
    )
    if moderate and not may_moderate(user):
        raise PermissionDenied
    return submission


def sees_phone(user: User, submission: PublicSubmission) -> bool:
    """The full phone of a visit request or a named clue: the beat's own people and its
    managers (they call back), never a list."""
    if user.is_superuser:
        return True
    return user_scope(user).contains(submission.unit_path) and user.role in (
        Role.STATION_CHIEF,
        Role.COMMUNITY_OFFICER,
        Role.TEAM_MEMBER,
        Role.COUNTY_ADMIN,
    )
