"""Reads of the organisation, always starting from the user's scope."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from zoufang.campaigns.models import Campaign
from zoufang.core.scope import user_manages, user_scope
from zoufang.org.models import Personnel, Team, Unit, User

# ---- access functions: 404 for missing and for outside the user's subtree alike -------------


def get_unit_for_user(user: User, pk: int) -> Unit:
    return get_object_or_404(Unit.objects.visible_to(user), pk=pk)


def get_personnel_for_user(user: User, pk: int, *, write: bool = False) -> Personnel:
    person = get_object_or_404(
        Personnel.objects.visible_to(user).select_related(
            "unit", "department", "beat", "deployed_to"
        ),
        pk=pk,
    )
    if write:
        _require_manager(user, person.unit_path)
    return person


def get_team_for_user(user: User, pk: int, *, write: bool = False) -> Team:
    team = get_object_or_404(
        Team.objects.visible_to(user)
        .with_composition()
        .select_related("beat", "leader", "campaign"),
        pk=pk,
    )
    if write:
        _require_manager(user, team.unit_path)
    return team


def _require_manager(user: User, path: str) -> None:
    from django.core.exceptions import PermissionDenied

    if not user_manages(user, path):
        raise PermissionDenied


# ---- lists ---------------------------------------------------------------------------------


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
    campaign: Campaign | None,
    search: str = "",
    unit: Unit | None = None,
    non_compliant: bool = False,
) -> QuerySet[Team]:
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


# ---- home page figures ----------------------------------------------------------------------


@dataclass(frozen=True)
class OrgStats:
    units_by_level: dict[int, int]
    people: int
    officers: int
    auxiliaries: int
    teams: int
    non_compliant_teams: int


def org_stats(user: User, campaign: Campaign | None) -> OrgStats:
    levels = dict(
        Unit.objects.visible_to(user).values_list("level").annotate(n=Count("pk")).order_by()
    )
    people = (
        Personnel.objects.visible_to(user)
        .filter(is_active=True)
        .aggregate(
            total=Count("pk"),
            officers=Count("pk", filter=Q(kind=Personnel.Kind.OFFICER)),
            auxiliaries=Count("pk", filter=Q(kind=Personnel.Kind.AUXILIARY)),
        )
    )
    teams = Team.objects.visible_to(user)
    if campaign is not None:
        teams = teams.filter(campaign=campaign)
    return OrgStats(
        units_by_level=levels,
        people=people["total"],
        officers=people["officers"],
        auxiliaries=people["auxiliaries"],
        teams=teams.count(),
        non_compliant_teams=teams.non_compliant().count(),
    )


def people_by_county(user: User) -> list[tuple[str, int, int]]:
    """(county name, officers, auxiliaries) for each county bureau in scope, for a chart."""
    counties = (
        Unit.objects.visible_to(user).filter(level=Unit.Level.COUNTY).order_by("sort_order", "code")
    )
    rows = []
    for county in counties:
        agg = (
            Personnel.objects.visible_to(user)
            .in_subtree(county.path)
            .aggregate(
                officers=Count("pk", filter=Q(kind=Personnel.Kind.OFFICER)),
                auxiliaries=Count("pk", filter=Q(kind=Personnel.Kind.AUXILIARY)),
            )
        )
        rows.append((county.name, agg["officers"], agg["auxiliaries"]))
    return rows
