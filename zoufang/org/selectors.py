"""Reads of the organisation, always starting from the user's scope."""

from __future__ import annotations

from django.db.models import Count, Model, Q, QuerySet

from zoufang.core.scope import user_scope
from zoufang.org.models import Personnel, Team, Unit, User


def unit_roots_for_user(user: User) -> QuerySet[Unit]:
    """The top of the tree the user may browse: the city for campaign-wide roles, else the
    user's anchor unit."""
    scope = user_scope(user)
    if scope.everything:
        return Unit.objects.filter(parent__isnull=True)
    if scope.path is None:
        return Unit.objects.none()
    return Unit.objects.filter(path=scope.path)


def unit_children(user: User, unit: Unit) -> QuerySet[Unit]:
    return (
        Unit.objects.visible_to(user)
        .filter(parent=unit)
        .annotate(child_count=Count("children", distinct=True))
        .order_by("sort_order", "code")
    )


def unit_list(user: User, *, level: int | None = None, search: str = "") -> QuerySet[Unit]:
    qs = Unit.objects.visible_to(user).select_related("parent")
    if level:
        qs = qs.filter(level=level)
    if search:
        qs = qs.filter(Q(name__contains=search) | Q(code__startswith=search))
    return qs


def personnel_list(
    user: User,
    *,
    search: str = "",
    kind: str = "",
    post: str = "",
    unit: Unit | None = None,
) -> QuerySet[Personnel]:
    qs = Personnel.objects.visible_to(user).select_related(
        "unit", "department", "beat", "deployed_to"
    )
    if unit is not None:
        qs = qs.in_subtree(unit.path)
    if kind:
        qs = qs.filter(kind=kind)
    if post:
        qs = qs.filter(post=post)
    if search:
        qs = qs.filter(Q(name__contains=search) | Q(police_number__startswith=search.upper()))
    return qs.order_by("unit_path", "name", "pk")


def team_list(
    user: User,
    *,
    campaign: Model | None,
    search: str = "",
    unit: Unit | None = None,
    non_compliant: bool = False,
) -> QuerySet[Team]:
    """Teams in the user's scope; of one campaign (a campaigns.Campaign) unless it is None."""
    qs = Team.objects.visible_to(user)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if unit is not None:
        qs = qs.in_subtree(unit.path)
    if search:
        qs = qs.filter(Q(name__contains=search) | Q(beat__name__contains=search))
    qs = qs.non_compliant() if non_compliant else qs.with_composition()
    return qs.select_related("beat", "leader").order_by("unit_path", "name")


def team_members(team: Team) -> QuerySet:
    return team.members.select_related(
        "personnel", "personnel__unit", "personnel__department"
    ).order_by("personnel__kind", "-personnel__post", "personnel__name")
