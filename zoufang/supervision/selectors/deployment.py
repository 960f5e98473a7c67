"""Deployment (力量到位, 科学调配): who of the city and county bureaus' offices is not sent down
to a beat team, which teams break 以老带新 / 警辅结合, whose strength does not match its beat's
work, and which teams have not started visiting by day N of 集中走访. Reads only.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from zoufang.campaigns.models import Phase
from zoufang.org.models import Personnel, Team, TeamMember, Unit
from zoufang.org.services import team_warnings
from zoufang.registry.models import Household, Place
from zoufang.visits.models import Visit

if TYPE_CHECKING:
    from zoufang.campaigns.models import Campaign
    from zoufang.org.models import User

WORK_KINDS = (Place.Kind.SHOP, Place.Kind.ENTERPRISE, Place.Kind.KEY_PLACE)


def not_deployed(user: User, unit: Unit, campaign: Campaign) -> list[Personnel]:
    """People of the city and county bureaus' offices (home unit at level 1–2) in `unit`'s
    subtree who are on no visit team of the campaign ("无条件下沉": all of them go down).
    Leaders (the command post) lead the campaign and are not counted."""
    in_teams = TeamMember.objects.filter(campaign=campaign).values("personnel_id")
    return list(
        Personnel.objects.visible_to(user)
        .in_subtree(unit.path)
        .active()
        .filter(unit__level__lte=Unit.Level.COUNTY)
        .exclude(post=Personnel.Post.COMMAND)
        .exclude(pk__in=in_teams)
        .select_related("unit", "department")
        .order_by("unit_path", "name")
    )


@dataclass
class TeamCheck:
    team: Team
    members: int = 0
    officers: int = 0
    auxiliaries: int = 0
    experienced: int = 0
    households: int = 0
    work_places: int = 0  # shops, enterprises, key places
    first_visit: dt.datetime | None = None
    problems: list[str] = field(default_factory=list)
    outlier: str = ""  # "high" (too much work per member) or "low"

    @property
    def load(self) -> float:
        """Households, shops, enterprises and key places per team member."""
        return round((self.households + self.work_places) / self.members, 1) if self.members else 0


def _team_checks(user: User, unit: Unit, campaign: Campaign) -> list[TeamCheck]:
    teams = list(
        Team.objects.visible_to(user)
        .in_subtree(unit.path)
        .filter(campaign=campaign)
        .with_composition()
        .select_related("beat")
        .order_by("unit_path", "name")
    )
    checks = [
        TeamCheck(
            team=t,
            members=t.member_count,
            officers=t.officer_count,
            auxiliaries=t.auxiliary_count,
            experienced=t.experienced_count,
        )
        for t in teams
    ]
    households = dict(
        Household.objects.in_subtree(unit.path)
        .values_list("unit_path")
        .annotate(n=Count("pk"))
        .order_by()
    )
    places: dict[int, int] = defaultdict(int)
    for beat_id, n in (
        Place.objects.in_subtree(unit.path)
        .active()
        .filter(kind__in=WORK_KINDS)
        .values_list("beat_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        places[beat_id] = n
    first = dict(
        Visit.objects.in_subtree(unit.path)
        .filter(campaign=campaign, team__isnull=False)
        .values_list("team_id")
        .annotate(first=Min("started_at"))
        .order_by()
    )
    # A beat's work is shared among its teams' members.
    beat_members: dict[int, int] = defaultdict(int)
    for c in checks:
        beat_members[c.team.beat_id] += c.members
    for c in checks:
        share = c.members / beat_members[c.team.beat_id] if beat_members[c.team.beat_id] else 0
        c.households = round(households.get(c.team.beat.path, 0) * share)
        c.work_places = round(places.get(c.team.beat_id, 0) * share)
        c.first_visit = first.get(c.team.pk)
    return checks


def _composition_problems(c: TeamCheck) -> None:
    """The team rules as the organisation app states them (`org.services.team_warnings`, the
    same rules as `Team.objects.non_compliant()`), so that this page, the team list and the
    home page count the same teams as breaking them."""
    if c.members == 0:
        c.problems.append(_("no members"))
    c.problems.extend(w.message for w in team_warnings(c.team))


def mark_outliers(checks: list[TeamCheck], factor: Decimal | float) -> None:
    """Teams whose work per member lies beyond `factor` × IQR outside the quartiles of their
    peers (Tukey's fences). Needs four teams with members to say anything."""
    loads = [c.load for c in checks if c.members]
    if len(loads) < 4:
        return
    q1, _q2, q3 = statistics.quantiles(loads, n=4, method="inclusive")
    spread = float(factor) * (q3 - q1)
    for c in checks:
        if not c.members:
            continue
        if c.load > q3 + spread:
            c.outlier = "high"
        elif c.load < q1 - spread:
            c.outlier = "low"


def start_due_date(campaign: Campaign, start_by_day: int) -> dt.date | None:
    """The day by which every team must have visited: day N of the visiting phase."""
    phase = campaign.phases.filter(kind=Phase.Kind.VISITING).first()
    if phase is None:
        return None
    return phase.start_date + dt.timedelta(days=start_by_day - 1)


@dataclass
class UnitCounts:
    unit: Unit
    not_deployed: int = 0
    breaking: int = 0
    outliers: int = 0
    not_started: int = 0


@dataclass
class Deployment:
    unit: Unit
    people: list[Personnel]
    teams: list[TeamCheck]
    due: dt.date | None
    overdue: bool  # the start deadline has passed
    by_child: list[UnitCounts]

    @property
    def breaking(self) -> list[TeamCheck]:
        return [c for c in self.teams if c.problems]

    @property
    def outliers(self) -> list[TeamCheck]:
        return [c for c in self.teams if c.outlier]

    @property
    def not_started(self) -> list[TeamCheck]:
        return [c for c in self.teams if c.first_visit is None or self._late(c)]

    def _late(self, c: TeamCheck) -> bool:
        if self.due is None or c.first_visit is None:
            return False
        return timezone.localdate(c.first_visit) > self.due


def deployment(
    user: User, *, unit: Unit, campaign: Campaign, start_by_day: int, iqr_factor: Decimal
) -> Deployment:
    people = not_deployed(user, unit, campaign)
    checks = _team_checks(user, unit, campaign)
    for c in checks:
        _composition_problems(c)
    mark_outliers(checks, iqr_factor)
    due = start_due_date(campaign, start_by_day)
    result = Deployment(
        unit=unit,
        people=people,
        teams=checks,
        due=due,
        overdue=due is not None and timezone.localdate() > due,
        by_child=[],
    )
    result.by_child = _by_child(user, result)
    return result


def _by_child(user: User, d: Deployment) -> list[UnitCounts]:
    children = list(
        Unit.objects.visible_to(user).filter(parent=d.unit).order_by("sort_order", "code")
    )
    rows = [UnitCounts(unit=c) for c in children]

    def row_for(path: str) -> UnitCounts | None:
        return next((r for r in rows if path.startswith(r.unit.path)), None)

    for p in d.people:
        if r := row_for(p.unit_path):
            r.not_deployed += 1
    not_started = {c.team.pk for c in d.not_started}
    for c in d.teams:
        r = row_for(c.team.unit_path)
        if r is None:
            continue
        r.breaking += bool(c.problems)
        r.outliers += bool(c.outlier)
        r.not_started += c.team.pk in not_started
    return rows
