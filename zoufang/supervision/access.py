"""Who may see and do what in supervision.

- The supervision group (`supervisor`) reads the whole campaign and verifies visits — never
  of its own unit (a supervisor anchored at, or employed by, a county bureau or below).
- The office and the working team change the settings, draw samples, pair units for
  cross-inspection and confirm, publish lists; they read everything.
- County administrators and station chiefs read what is about their own subtree: its
  deployment, its verification results, the inspections of it or by it, its scores.
- Everyone else (officers, team members, researchers) has no supervision pages.
Objects outside the user's view are 404, like a missing one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from zoufang.core.roles import CAMPAIGN_WIDE_ROLES, Role
from zoufang.core.scope import user_scope
from zoufang.org.models import Unit
from zoufang.supervision.models import (
    CrossInspection,
    CrossPairing,
    DeepeningTarget,
    HonourEntry,
    HonourList,
    VerificationTask,
)

if TYPE_CHECKING:
    from zoufang.org.models import User

UNIT_READERS = frozenset({Role.COUNTY_ADMIN, Role.STATION_CHIEF})
OFFICE_ROLES = frozenset({Role.OFFICE, Role.WORKING_TEAM})


def may_view(user: User) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.role in CAMPAIGN_WIDE_ROLES or user.role in UNIT_READERS


def require_view(user: User) -> None:
    if not may_view(user):
        raise Http404


def may_manage(user: User) -> bool:
    """Settings, samples, pairings, publishing: the office and the working team."""
    return bool(user.is_authenticated and (user.is_superuser or user.role in OFFICE_ROLES))


def require_manage(user: User) -> None:
    if not may_manage(user):
        raise PermissionDenied


def is_supervisor(user: User) -> bool:
    return bool(user.is_authenticated and user.role == Role.SUPERVISOR)


def own_unit(user: User) -> Unit | None:
    """The unit a supervisor belongs to: the anchor unit, else the personnel record's home."""
    if user.unit_id:
        return user.unit
    if user.personnel_id:
        return user.personnel.unit
    return None


def verifies_own_unit(user: User, unit_path: str) -> bool:
    """Would `user` be verifying their own unit? The city bureau itself is no conflict (every
    unit lies under it); a county bureau, station or beat is, for everything under it."""
    unit = own_unit(user)
    if unit is None or unit.level <= Unit.Level.CITY:
        return False
    return unit_path.startswith(unit.path)


def may_verify(user: User, task: VerificationTask) -> bool:
    if not is_supervisor(user) or task.state == VerificationTask.State.DONE:
        return False
    if task.supervisor_id not in (None, user.pk):
        return False
    return not verifies_own_unit(user, task.unit_path)


def get_unit_for_user(user: User, pk: int) -> Unit:
    require_view(user)
    return get_object_or_404(Unit.objects.visible_to(user), pk=pk)


def get_verification_task_for_user(user: User, pk: int) -> VerificationTask:
    require_view(user)
    return get_object_or_404(
        VerificationTask.objects.visible_to(user).select_related(
            "visit", "visit__task", "visit__team", "beat", "supervisor", "sample"
        ),
        pk=pk,
    )


def get_pairing_for_user(user: User, pk: int) -> CrossPairing:
    """Pairings are the office's working documents; units see their inspections instead."""
    require_view(user)
    scope = user_scope(user)
    if not scope.everything:
        raise Http404
    return get_object_or_404(CrossPairing.objects.select_related("parent"), pk=pk)


def get_inspection_for_user(user: User, pk: int) -> CrossInspection:
    require_view(user)
    return get_object_or_404(
        CrossInspection.objects.about_or_by(user).select_related("inspector", "target", "pairing"),
        pk=pk,
    )


def may_record_inspection(user: User, inspection: CrossInspection) -> bool:
    """The inspecting unit's managers, the office and the supervision group record it."""
    if inspection.state != CrossInspection.State.OPEN:
        return False
    if user.is_superuser or user.role in OFFICE_ROLES or user.role == Role.SUPERVISOR:
        return True
    if user.role in UNIT_READERS and user.unit_id:
        return inspection.inspector_path.startswith(user.unit.path) and not (
            inspection.unit_path.startswith(user.unit.path)
        )
    return False


def get_honour_list_for_user(user: User, pk: int) -> HonourList:
    """Campaign-wide roles see every list; a unit sees published lists only."""
    require_view(user)
    lst = get_object_or_404(HonourList, pk=pk)
    if not user_scope(user).everything and lst.state != HonourList.State.PUBLISHED:
        raise Http404
    return lst


def get_honour_entry_for_user(user: User, pk: int) -> HonourEntry:
    require_manage(user)
    return get_object_or_404(HonourEntry.objects.select_related("honour_list"), pk=pk)


def get_deepening_target_for_user(user: User, pk: int) -> DeepeningTarget:
    require_view(user)
    return get_object_or_404(
        DeepeningTarget.objects.visible_to(user).select_related("unit", "supervisor"), pk=pk
    )


def may_add_progress(user: User, target: DeepeningTarget) -> bool:
    """The office, the target's supervisor and the target unit's own managers."""
    if target.state != DeepeningTarget.State.CONFIRMED:
        return False
    if may_manage(user) or (target.supervisor_id and target.supervisor_id == user.pk):
        return True
    return user.role in UNIT_READERS and user_scope(user).contains(target.unit_path)
