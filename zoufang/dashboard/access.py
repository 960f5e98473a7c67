"""Who sees the dashboard, and of which unit: the steering roles, for their own subtree."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404

from zoufang.core.roles import Role
from zoufang.core.scope import user_scope
from zoufang.org.models import Unit

if TYPE_CHECKING:
    from zoufang.org.models import User

# The roles whose home page is the dashboard (the leadership group, the office and its
# working team, the supervision group, county bureaus and station chiefs).
STEERING_ROLES = frozenset(
    {
        Role.LEADER,
        Role.DEPUTY_LEADER,
        Role.LEADERSHIP_MEMBER,
        Role.OFFICE,
        Role.WORKING_TEAM,
        Role.SUPERVISOR,
        Role.COUNTY_ADMIN,
        Role.STATION_CHIEF,
    }
)


def may_steer(user: User) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role in STEERING_ROLES))


def dashboard_root(user: User) -> Unit | None:
    """Where the dashboard opens: the city for campaign-wide roles, else the user's unit."""
    scope = user_scope(user)
    if scope.everything:
        return Unit.objects.filter(parent__isnull=True).order_by("code").first()
    if scope.path is None:
        return None
    return Unit.objects.filter(path=scope.path).first()


def get_dashboard_unit(user: User, unit_id: str | int | None) -> Unit:
    """The unit whose dashboard the user asks for (their root when none is given); 404 when
    the user does not steer, when the unit does not exist, or lies outside their scope."""
    if not may_steer(user):
        raise Http404
    if unit_id in (None, ""):
        unit = dashboard_root(user)
    else:
        if not str(unit_id).isdigit():
            raise Http404
        unit = Unit.objects.visible_to(user).filter(pk=int(unit_id)).first()
    if unit is None:
        raise Http404
    return unit
