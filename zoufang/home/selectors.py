"""The home page's figures: the organisation in the user's scope, for one campaign."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from zoufang.campaigns.models import Campaign
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
