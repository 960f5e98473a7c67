"""The home page's figures: the organisation in the user's scope, for one campaign."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from zoufang.campaigns.models import Campaign
from zoufang.core.scope import subtree_q
from zoufang.org.models import Personnel, Team, Unit, User


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
    """(county name, officers, auxiliaries) for each county bureau in scope, for a chart: two
    queries however many counties (one count per county and kind, in one aggregate)."""
    counties = list(
        Unit.objects.visible_to(user)
        .filter(level=Unit.Level.COUNTY)
        .order_by("sort_order", "code")
        .values_list("name", "path")
    )
    if not counties:
        return []
    kinds = {"officers": Personnel.Kind.OFFICER, "auxiliaries": Personnel.Kind.AUXILIARY}
    counts = Personnel.objects.visible_to(user).aggregate(
        **{
            f"{label}_{i}": Count("pk", filter=subtree_q("unit_path", path) & Q(kind=kind))
            for i, (_, path) in enumerate(counties)
            for label, kind in kinds.items()
        }
    )
    return [
        (name, counts[f"officers_{i}"], counts[f"auxiliaries_{i}"])
        for i, (name, _) in enumerate(counties)
    ]
