"""Reads of the big visit, always starting from the user's scope: the user's team, the
"today" list, task lists, photos waiting for their visit, and coverage (底数清、情况明). The
access functions (`get_*_for_user`) are in `visits.access`.

Coverage and compliance read the rollups (`visits.figures`, docs/decisions/0011-rollups.md): one GROUP BY
over a few rows per beat of the subtree, grouped by the child unit's path prefix — the page
does not grow with the tasks and visits, and never queries per unit.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from zoufang.campaigns.models import Campaign, CatalogItem
from zoufang.core.scope import subtree_q, user_scope
from zoufang.org.models import Personnel, Team, TeamMember, Unit
from zoufang.visits import figures
from zoufang.visits.models import (
    OPEN_STATES,
    CorrectionRequest,
    TaskState,
    Visit,
    VisitFocus,
    VisitKind,
    VisitMember,
    VisitPhoto,
    VisitTask,
    WantedAlert,
)

if TYPE_CHECKING:
    from zoufang.org.models import User

# ---- the user's team and today list ----------------------------------------------------------


def user_team(user: User, campaign: Campaign | None) -> Team | None:
    """The visit team the user's personnel record is bundled into for this campaign."""
    if campaign is None or not user.personnel_id:
        return None
    membership = (
        TeamMember.objects.filter(personnel_id=user.personnel_id, campaign=campaign)
        .select_related("team", "team__beat")
        .first()
    )
    if membership is None or not user_scope(user).contains(membership.team.unit_path):
        return None
    return membership.team


def visit_team(task: VisitTask, actor: User) -> Team | None:
    """The team a visit belongs to: the task's team, or else the actor's team in the beat."""
    if task.team_id:
        return task.team
    if actor.personnel_id:
        membership = (
            TeamMember.objects.filter(
                personnel_id=actor.personnel_id,
                campaign_id=task.campaign_id,
                team__beat_id=task.beat_id,
            )
            .select_related("team")
            .first()
        )
        if membership:
            return membership.team
    return Team.objects.filter(campaign_id=task.campaign_id, beat_id=task.beat_id).first()


def waiting_photo_count(user: User, visit_uuid: object) -> int:
    """Photos `user` sent ahead for the visit with this client UUID, still waiting for it."""
    return VisitPhoto.objects.filter(
        visit_uuid=visit_uuid, visit__isnull=True, uploaded_by=user
    ).count()


def today_tasks(team: Team, *, day: dt.date | None = None) -> QuerySet[VisitTask]:
    """The team's open tasks for `day`: those with an appointment on that day (or a missed one)
    first, by appointment time; then the rest by address. Appointments on later days wait."""
    day = day or timezone.localdate()
    return (
        VisitTask.objects.filter(team=team, state__in=OPEN_STATES)
        .exclude(appointment_date__gt=day)
        .annotate(
            has_appointment=Case(
                When(appointment_date__isnull=False, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .select_related("place")
        .order_by("has_appointment", "appointment_date", "appointment_start", "sort_key", "pk")
    )


def later_appointments(team: Team, *, day: dt.date | None = None) -> QuerySet[VisitTask]:
    day = day or timezone.localdate()
    return VisitTask.objects.filter(
        team=team, state__in=OPEN_STATES, appointment_date__gt=day
    ).order_by("appointment_date", "appointment_start", "sort_key")


def task_list(
    user: User,
    *,
    beat: Unit,
    campaign: Campaign | None,
    state: str = "",
    kind: str = "",
    team_id: int | None = None,
    search: str = "",
) -> QuerySet[VisitTask]:
    qs = VisitTask.objects.visible_to(user).filter(beat=beat)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if state == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    if team_id:
        qs = qs.filter(team_id=team_id)
    if search:
        qs = qs.filter(Q(address__contains=search) | Q(batch__contains=search))
    return qs.select_related("team").order_by("sort_key", "pk")


def tasks_of_batch(*, campaign: Campaign, beat: Unit, batch: str) -> list[VisitTask]:
    """The open tasks of one walk batch of the beat (reassigned together)."""
    return list(
        VisitTask.objects.filter(
            campaign=campaign, beat=beat, batch=batch, state__in=OPEN_STATES
        ).select_related("beat", "team")
    )


def unvisited_tasks(user: User, *, beat: Unit, campaign: Campaign) -> QuerySet[VisitTask]:
    """Addresses of the beat not yet visited: never attempted, or attempted and not reached."""
    return (
        VisitTask.objects.visible_to(user)
        .filter(beat=beat, campaign=campaign, state__in=OPEN_STATES)
        .select_related("team")
        .order_by("sort_key", "pk")
    )


def visit_list(user: User, *, task: VisitTask) -> QuerySet[Visit]:
    return (
        Visit.objects.visible_to(user)
        .filter(task=task)
        .select_related("team", "recorded_by")
        .prefetch_related("members__personnel")
        .order_by("-started_at")
    )


# ---- coverage --------------------------------------------------------------------------------

STATES = [s.value for s in TaskState]
KINDS = [k.value for k in VisitKind]


@dataclass
class Counts:
    pending: int = 0
    retry: int = 0
    visited: int = 0
    refused: int = 0
    invalid: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.retry + self.visited + self.refused + self.invalid

    @property
    def attempted(self) -> int:
        return self.total - self.pending

    @property
    def rate(self) -> float:
        """Visited share of the places (0–100)."""
        return round(100 * self.visited / self.total, 1) if self.total else 0.0

    def add(self, state: str, n: int) -> None:
        setattr(self, state, getattr(self, state) + n)

    def merge(self, other: Counts) -> None:
        for s in STATES:
            self.add(s, getattr(other, s))


@dataclass
class CoverageRow:
    unit: Unit | None
    label: str
    total: Counts = field(default_factory=Counts)
    by_kind: dict[str, Counts] = field(default_factory=lambda: {k: Counts() for k in KINDS})

    def add(self, kind: str, state: str, n: int) -> None:
        self.total.add(state, n)
        self.by_kind[kind].add(state, n)


def _add_counts(row: CoverageRow, counts: figures.TaskCounts) -> None:
    for kind, states in counts.by_kind.items():
        for state, n in states.items():
            if n:
                row.add(kind, state, n)


def coverage_children(
    user: User, *, unit: Unit, campaign: Campaign
) -> tuple[CoverageRow, list[CoverageRow]]:
    """(the unit's own totals, one row per child unit): task states by kind, from the task
    rollup (a few rows per beat: the page does not grow with the tasks). The caller has
    checked that the user sees `unit`. Two queries."""
    grouped = figures.task_counts(unit.path, campaign.pk, by_child=True)
    children = list(
        Unit.objects.visible_to(user).filter(parent=unit).order_by("sort_order", "code")
    )
    rows = {c.path: CoverageRow(unit=c, label=c.name) for c in children}
    own = CoverageRow(unit=unit, label=unit.name)
    for child, counts in grouped.items():
        _add_counts(own, counts)
        if child in rows:
            _add_counts(rows[child], counts)
    return own, list(rows.values())


def coverage_by_team(user: User, *, unit: Unit, campaign: Campaign) -> list[CoverageRow]:
    """Task states by team in a beat or station (teams with no task are listed too)."""
    teams = {
        t.pk: CoverageRow(unit=t.beat, label=t.name)
        for t in Team.objects.visible_to(user)
        .in_subtree(unit.path)
        .filter(campaign=campaign)
        .select_related("beat")
        .order_by("unit_path", "name")
    }
    unassigned = CoverageRow(unit=None, label="")
    for team_id, counts in figures.task_counts(unit.path, campaign.pk, by_team=True).items():
        _add_counts(teams.get(team_id, unassigned), counts)
    rows = list(teams.values())
    if unassigned.total.total:
        rows.append(unassigned)
    return rows


@dataclass
class PersonRow:
    personnel: Personnel
    visits: int = 0
    visited: int = 0
    not_reached: int = 0
    refused: int = 0
    address_problems: int = 0


def coverage_by_person(
    user: User, *, unit: Unit, campaign: Campaign, limit: int = 200
) -> list[PersonRow]:
    """Visits credited to each person (every member present is credited), most first."""
    counts: dict[int, PersonRow] = {}
    grouped = list(
        VisitMember.objects.visible_to(user)
        .in_subtree(unit.path)
        .filter(campaign=campaign)
        .values_list("personnel_id", "outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    people = Personnel.objects.in_bulk({pk for pk, _o, _n in grouped})
    for pk, outcome, n in grouped:
        row = counts.setdefault(pk, PersonRow(personnel=people[pk]))
        row.visits += n
        if outcome == "visited":
            row.visited += n
        elif outcome == "nobody_home":
            row.not_reached += n
        elif outcome == "refused":
            row.refused += n
        else:
            row.address_problems += n
    return sorted(counts.values(), key=lambda r: (-r.visits, r.personnel.name))[:limit]


@dataclass
class Compliance:
    visits: int
    topics_total: int  # topics in the campaign catalog
    avg_topics: float
    all_topics: int  # visits that covered every topic
    with_leaflets: int
    leaflets: int
    compliant: int  # every topic explained and at least one leaflet handed out
    by_topic: list[tuple[str, int]]

    @property
    def rate(self) -> float:
        return round(100 * self.compliant / self.visits, 1) if self.visits else 0.0

    @property
    def leaflet_rate(self) -> float:
        return round(100 * self.with_leaflets / self.visits, 1) if self.visits else 0.0

    @property
    def topic_rate(self) -> float:
        return round(100 * self.all_topics / self.visits, 1) if self.visits else 0.0


def compliance(user: User, *, unit: Unit, campaign: Campaign) -> Compliance:
    """Leaflets handed and topics covered per completed visit (the compliance rate), from the
    rollups. The caller has checked that the user sees `unit`."""
    topics = list(
        CatalogItem.objects.filter(
            campaign=campaign, kind=CatalogItem.Kind.TOPIC, is_active=True
        ).order_by("order")
    )
    c = figures.compliance_counts(unit.path, campaign.pk, n_topics=len(topics))
    per_item = figures.item_counts(unit.path, campaign.pk)
    return Compliance(
        visits=c.visits,
        topics_total=len(topics),
        avg_topics=c.avg_topics,
        all_topics=c.all_topics,
        with_leaflets=c.with_leaflets,
        leaflets=c.leaflets,
        compliant=c.compliant,
        by_topic=[(t.name, per_item.get(t.pk, (0, 0))[0]) for t in topics],
    )


def coverage_root(user: User) -> Unit | None:
    """Where the coverage page opens: the city for campaign-wide roles, else the anchor unit."""
    scope = user_scope(user)
    if scope.everything:
        return Unit.objects.filter(parent__isnull=True).order_by("code").first()
    if scope.path is None:
        return None
    return Unit.objects.filter(path=scope.path).first()


def places_without_task(*, beat: Unit, campaign: Campaign) -> int:
    """Registry places added since the tasks were generated (the page offers to regenerate)."""
    from zoufang.registry.models import Household, Place

    return (
        Place.objects.filter(beat=beat, is_active=True)
        .exclude(kind=Place.Kind.KEY_AREA)
        .exclude(visit_tasks__campaign=campaign)
        .exclude(household__use=Household.Use.VACANT)
        .count()
    )


def open_corrections(user: User, *, unit: Unit) -> QuerySet[CorrectionRequest]:
    return (
        CorrectionRequest.objects.visible_to(user)
        .in_subtree(unit.path)
        .filter(state=CorrectionRequest.State.OPEN)
        .select_related("place", "beat", "visit", "task")
    )


def team_load(campaign: Campaign, beat: Unit) -> dict[int, int]:
    return dict(
        VisitTask.objects.filter(campaign=campaign, beat=beat, state__in=OPEN_STATES)
        .values_list("team_id")
        .annotate(n=Count("pk"))
        .order_by()
    )


def kind_labels() -> dict[str, str]:
    return {k.value: str(k.label) for k in VisitKind}


def unit_chain(user: User, unit: Unit) -> list[Unit]:
    """Breadcrumbs: the unit's ancestors the user may see, and the unit."""
    return [a for a in unit.ancestors() if user_scope(user).contains(a.path)] + [unit]


def by_state_totals(rows: list[CoverageRow]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for r in rows:
        for s in STATES:
            totals[s] += getattr(r.total, s)
    return dict(totals)


# ---- inspection focuses (排查重点) ----------------------------------------------------------


def focus_choices(campaign: Campaign) -> list[dict[str, str]]:
    """The campaign's active inspection focuses, as a form offers them: code and name."""
    return [
        {"code": i.code, "name": i.name}
        for i in CatalogItem.objects.filter(
            campaign=campaign, kind=CatalogItem.Kind.FOCUS, is_active=True
        ).order_by("order", "pk")
    ]


def inspected_focus_counts(
    user: User, *, campaign: Campaign, unit: Unit | None = None
) -> dict[str, int]:
    """How many visits inspected each of the campaign's inspection focuses, by focus code
    (every active focus present, 0 when none), in the user's jurisdiction — or in `unit`,
    which the caller has checked the user may see. One grouped query on
    `VisitFocus(unit_path, campaign, item)`; a visit counts once per focus."""
    counts = dict.fromkeys((c["code"] for c in focus_choices(campaign)), 0)
    qs = VisitFocus.objects.visible_to(user).filter(campaign=campaign)
    if unit is not None:
        qs = qs.filter(subtree_q("unit_path", unit.path))
    for code, n in qs.values_list("item__code").annotate(n=Count("pk")).order_by():
        counts[code] = n
    return counts


def wanted_alerts(user: User, visit: Visit) -> list[WantedAlert]:
    """The wanted-person alerts of `visit`, for a user who may see them (none otherwise: the
    officers who go out on visits never do — `access.may_see_wanted_alerts`)."""
    from zoufang.visits.access import may_see_wanted_alerts

    if not may_see_wanted_alerts(user, visit.unit_path):
        return []
    return list(
        WantedAlert.objects.filter(visit=visit).select_related("key_person__person").order_by("pk")
    )


def _local(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def visit_version(user: User, client_uuid: object) -> dict | None:
    """The visit stored under a phone's client UUID, as the offline app's conflict screen
    sets it beside the phone's own version (None when the user does not see it)."""
    visit = (
        Visit.objects.visible_to(user)
        .filter(client_uuid=client_uuid)
        .select_related("recorded_by__personnel", "task")
        .first()
    )
    if visit is None:
        return None
    members = Personnel.objects.filter(visit_credits__visit=visit).order_by("name")
    return {
        "title": visit.task.address if visit.task_id else "",
        "outcome": visit.get_outcome_display(),
        "started_at": _local(visit.started_at),
        "ended_at": _local(visit.ended_at),
        "members": "、".join(members.values_list("name", flat=True)),
        "note": visit.note,
        "topics": visit.topic_count,
        "leaflets": visit.leaflet_count,
        "findings": visit.finding_count,
        "photos": visit.photos.count(),
        "recorded_by": visit.recorded_by.display_name if visit.recorded_by_id else "",
        "recorded_at": _local(visit.created_at),
    }
