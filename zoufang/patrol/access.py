"""Who may see and do what in the patrol. Flags and notices are scoped to the unit they are
about: a county sees its own and gets 404 for any other (missing and out of scope alike)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from zoufang.core.roles import Role
from zoufang.core.scope import user_scope
from zoufang.patrol.models import Flag, Notice, Rule

if TYPE_CHECKING:
    from zoufang.org.models import User

# The supervision group decides flags and re-checks notices; the office may too.
DECIDER_ROLES = frozenset({Role.SUPERVISOR, Role.OFFICE, Role.WORKING_TEAM})
# The office (and its working team) sets the rules' thresholds.
RULE_EDITOR_ROLES = frozenset({Role.OFFICE, Role.WORKING_TEAM})
# A unit answers a notice through its managers and its community officers.
REPLIER_ROLES = frozenset({Role.COUNTY_ADMIN, Role.STATION_CHIEF, Role.COMMUNITY_OFFICER})


def may_decide(user: User) -> bool:
    return bool(user.is_superuser or user.role in DECIDER_ROLES)


def may_edit_rules(user: User) -> bool:
    return bool(user.is_superuser or user.role in RULE_EDITOR_ROLES)


def may_see_queue(user: User) -> bool:
    """Anyone who sees unit data: the supervision group and the office everything, a unit the
    flags about itself (the queue is scoped like every list)."""
    return not user_scope(user).nothing


def may_reply(user: User, notice: Notice) -> bool:
    if user.is_superuser:
        return True
    return user.role in REPLIER_ROLES and user_scope(user).contains(notice.unit_path)


def get_flag_for_user(user: User, pk: int, *, decide: bool = False) -> Flag:
    flag = get_object_or_404(
        Flag.objects.visible_to(user).select_related("rule", "unit", "team", "personnel"), pk=pk
    )
    if decide and not may_decide(user):
        raise PermissionDenied
    return flag


def get_notice_for_user(user: User, pk: int) -> Notice:
    return get_object_or_404(
        Notice.objects.visible_to(user).select_related("flag__rule", "unit"), pk=pk
    )


def get_rule_for_user(user: User, pk: int) -> Rule:
    if not may_edit_rules(user):
        raise PermissionDenied
    return get_object_or_404(Rule, pk=pk)
