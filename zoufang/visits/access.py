"""Who may do what in the big visit, beyond the jurisdiction subtree (which core.scope decides).

- Seeing a task, a visit, a beat or a correction request: anyone whose subtree holds it; the
  `get_*_for_user` functions answer 404 for a missing row and for one outside the subtree alike.
- Recording a visit or an appointment (`may_record`): the beat's own people (community
  officers and team members) and its managers (station chief and above), in their subtree.
- Generating and reassigning tasks (`may_manage_tasks`): the station chief and above in scope,
  and the beat's community officer.
- Adding to a visit after it was sent (a photo, a finding): who may record for its task; a
  photo only by the officer who submitted the visit (`may_add_photo`).
- Deciding a registry correction (`may_decide_correction`): the station chief and above.
- Reading a visit's sensitive answers (`may_read_sensitive`): the leadership, holders of
  `can_view_sensitive`, and the officer who recorded it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.shortcuts import get_object_or_404

from zoufang.core.roles import Role
from zoufang.core.scope import user_manages, user_scope
from zoufang.org.models import Unit
from zoufang.visits.models import CorrectionRequest, Visit, VisitTask

if TYPE_CHECKING:
    from zoufang.org.models import User

# Roles that go out on visits (besides the managers of the beat).
RECORDING_ROLES = frozenset({Role.COMMUNITY_OFFICER, Role.TEAM_MEMBER})

# What a task page shows with the task. Submitting a visit checks access in the statement that
# locks the task (services.visit_submit).
TASK_PAGE_RELATED = ("beat", "team", "place", "campaign", "beat__parent")


# ---- access functions: 404 for missing and for outside the user's subtree alike -------------


def get_task_for_user(
    user: User, pk: int, *, related: tuple[str, ...] = TASK_PAGE_RELATED
) -> VisitTask:
    return get_object_or_404(
        VisitTask.objects.visible_to(user).select_related(*related).order_by(), pk=pk
    )


def get_visit_for_user(user: User, pk: int) -> Visit:
    return get_object_or_404(
        Visit.objects.visible_to(user).select_related(
            "task", "team", "place", "beat", "recorded_by", "form", "campaign"
        ),
        pk=pk,
    )


def get_beat_for_user(user: User, pk: int) -> Unit:
    return get_object_or_404(Unit.objects.visible_to(user).filter(level=Unit.Level.BEAT), pk=pk)


def get_correction_for_user(user: User, pk: int) -> CorrectionRequest:
    return get_object_or_404(
        CorrectionRequest.objects.visible_to(user).select_related("place", "task", "visit"),
        pk=pk,
    )


# ---- what the user may do --------------------------------------------------------------------


def may_record(user: User, task: VisitTask) -> bool:
    """Who may record a visit or an appointment: the beat's own people, and its managers."""
    if not user_scope(user).contains(task.unit_path):
        return False
    if user.is_superuser or user_manages(user, task.unit_path):
        return True
    return user.role in RECORDING_ROLES


def may_manage_tasks(user: User, beat: Unit) -> bool:
    """Generate and reassign: the station chief and above in scope, and the beat's officer."""
    if user_manages(user, beat.path):
        return True
    return user.role == Role.COMMUNITY_OFFICER and user_scope(user).contains(beat.path)


def may_add_photo(user: User, visit: Visit) -> bool:
    """A photo joins a visit only from the officer who submitted it (a photo sent ahead of its
    visit is attached only to a visit of its uploader, see services.submit)."""
    return visit.recorded_by_id == user.pk and may_record(user, visit.task)


def may_decide_correction(user: User, path: str | None) -> bool:
    """Apply or reject a registry correction request at `path`: the station chief and above."""
    return user_manages(user, path)


def may_read_sensitive(user: User, visit: Any) -> bool:
    """May `user` read the visit's answers to sensitive questions?"""
    from zoufang.findings.models import is_leadership

    return bool(
        is_leadership(user)
        or getattr(user, "can_view_sensitive", False)
        or visit.recorded_by_id == user.pk
    )


def may_see_wanted_alerts(user: User, path: str) -> bool:
    """May `user` learn that a person met on a visit at `path` is wanted (追逃)? Who may see key
    persons there (registry.access), except those who go out on visits: the community officer
    and team members are only asked to call in, so nothing on their screens can tip off the
    person they are talking to."""
    from zoufang.registry.access import may_see_key_persons

    if getattr(user, "role", "") in RECORDING_ROLES:
        return False
    return may_see_key_persons(user, path)
