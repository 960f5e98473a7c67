"""Reads of outreach: drive totals (per drive, per unit), a drive's events, leaflet stock and
who received the leaflets, and the three satisfaction figures. Every read starts from the
user's scope or a unit already checked to be in it; totals per unit are one grouped query over
the units' subtrees (`supervision.components.by_unit`), never a query per unit."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum

from zoufang.campaigns.models import CatalogItem
from zoufang.core.scope import subtree_q
from zoufang.findings.models import Finding
from zoufang.org.models import Unit
from zoufang.outreach.models import (
    DriveEvent,
    EventLeaflet,
    LeafletIssue,
    PublicSubmission,
    SubmissionKind,
    SubmissionState,
)
from zoufang.supervision.components import by_unit
from zoufang.visits.models import Visit, VisitLeaflet

if TYPE_CHECKING:
    from zoufang.campaigns.models import Campaign
    from zoufang.org.models import User


def catalog(campaign: Campaign, kind: str) -> list[CatalogItem]:
    return list(CatalogItem.objects.filter(campaign=campaign, kind=kind).order_by("order", "pk"))


def child_units(unit: Unit) -> list[Unit]:
    """The units a table breaks `unit` into: its children, or the beat itself."""
    children = list(Unit.objects.filter(parent=unit).order_by("sort_order", "code"))
    return children or [unit]


# ---- drives ----------------------------------------------------------------------------------


@dataclass
class DriveTotals:
    drive: CatalogItem
    events: int = 0
    people: int = 0
    leaflets: int = 0


def drive_totals(user: User, campaign: Campaign, unit: Unit) -> list[DriveTotals]:
    """Each drive of the campaign with its events, people reached and leaflets handed out in
    `unit`'s subtree."""
    events = DriveEvent.objects.visible_to(user).in_subtree(unit.path).filter(campaign=campaign)
    rows = {d.pk: DriveTotals(d) for d in catalog(campaign, CatalogItem.Kind.DRIVE)}
    for r in events.values("drive_id").annotate(n=Count("pk"), people=Sum("people_reached")):
        if r["drive_id"] in rows:
            rows[r["drive_id"]].events = r["n"]
            rows[r["drive_id"]].people = r["people"] or 0
    leaflets = (
        EventLeaflet.objects.filter(event__in=events)
        .values("event__drive_id")
        .annotate(n=Sum("quantity"))
    )
    for r in leaflets:
        if r["event__drive_id"] in rows:
            rows[r["event__drive_id"]].leaflets = r["n"] or 0
    return list(rows.values())


def drive_unit_totals(
    campaign: Campaign, units: list[Unit], drive: CatalogItem | None = None
) -> dict[int, dict[str, int]]:
    """{unit id: {events, people, leaflets}} for the units (already in the user's scope)."""
    qs = DriveEvent.objects.filter(campaign=campaign)
    if drive is not None:
        qs = qs.filter(drive=drive)
    out: dict[int, dict[str, int]] = {
        u.pk: {"events": 0, "people": 0, "leaflets": 0} for u in units
    }
    for unit_id, r in by_unit(qs, units, n=Count("pk"), people=Sum("people_reached")).items():
        out[unit_id].update(events=r["n"], people=r["people"] or 0)
    leaflets = EventLeaflet.objects.filter(event__campaign=campaign)
    if drive is not None:
        leaflets = leaflets.filter(event__drive=drive)
    for unit_id, r in by_unit(leaflets, units, "event__unit_path", n=Sum("quantity")).items():
        out[unit_id]["leaflets"] = r["n"] or 0
    return out


def drive_events(user: User, drive: CatalogItem, unit: Unit) -> QuerySet[DriveEvent]:
    return (
        DriveEvent.objects.visible_to(user)
        .in_subtree(unit.path)
        .filter(drive=drive)
        .select_related("unit", "place")
        .prefetch_related("leaflets__item", "co_units", "officers", "photos")
        .order_by("-date", "-pk")
    )


# ---- leaflets --------------------------------------------------------------------------------


@dataclass
class StockRow:
    unit: Unit
    issued: dict[int, int] = field(default_factory=dict)
    by_visits: dict[int, int] = field(default_factory=dict)
    by_events: dict[int, int] = field(default_factory=dict)

    def handed(self, item_id: int) -> int:
        return self.by_visits.get(item_id, 0) + self.by_events.get(item_id, 0)

    def left(self, item_id: int) -> int:
        return self.issued.get(item_id, 0) - self.handed(item_id)

    def is_low(self, item_id: int) -> bool:
        issued = self.issued.get(item_id, 0)
        if issued <= 0:
            return self.handed(item_id) > 0
        share = int(getattr(settings, "OUTREACH_LOW_STOCK_PERCENT", 10))
        return self.left(item_id) * 100 < issued * share


def leaflet_stock(campaign: Campaign, units: list[Unit]) -> list[StockRow]:
    """Per unit (already in scope) and leaflet: issued, handed out on visits and at events,
    what is left, and whether it is low (under OUTREACH_LOW_STOCK_PERCENT of what was issued,
    or handed out with nothing issued)."""
    rows = {u.pk: StockRow(u) for u in units}

    def fill(qs: QuerySet, path_field: str, item_field: str, target: str) -> None:
        for item in qs.values_list(item_field, flat=True).distinct().order_by():
            sub = qs.filter(**{item_field: item})
            for unit_id, r in by_unit(sub, units, path_field, n=Sum("quantity")).items():
                getattr(rows[unit_id], target)[item] = r["n"] or 0

    fill(LeafletIssue.objects.filter(campaign=campaign), "unit_path", "item_id", "issued")
    fill(
        VisitLeaflet.objects.filter(visit__campaign=campaign),
        "visit__unit_path",
        "item_id",
        "by_visits",
    )
    fill(
        EventLeaflet.objects.filter(event__campaign=campaign),
        "event__unit_path",
        "item_id",
        "by_events",
    )
    return list(rows.values())


def leaflet_audience(campaign: Campaign, unit: Unit) -> dict[int, dict[str, int]]:
    """{leaflet id: {audience: quantity}} handed out on visits in `unit`'s subtree: households,
    shops by kind (street, small, market), enterprises by category, villages/communities."""
    qs = (
        VisitLeaflet.objects.filter(visit__campaign=campaign)
        .filter(subtree_q("visit__unit_path", unit.path))
        .values(
            "item_id", "visit__kind", "visit__place__shop_kind", "visit__place__enterprise_category"
        )
        .annotate(n=Sum("quantity"))
        .order_by()
    )
    out: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in qs:
        audience = r["visit__kind"]
        if audience == "shop" and r["visit__place__shop_kind"]:
            audience = f"shop:{r['visit__place__shop_kind']}"
        elif audience == "enterprise" and r["visit__place__enterprise_category"]:
            audience = f"enterprise:{r['visit__place__enterprise_category']}"
        out[r["item_id"]][audience] += r["n"] or 0
    return {k: dict(v) for k, v in out.items()}


def issue_list(user: User, campaign: Campaign, unit: Unit) -> QuerySet[LeafletIssue]:
    return (
        LeafletIssue.objects.visible_to(user)
        .in_subtree(unit.path)
        .filter(campaign=campaign)
        .select_related("item", "unit", "issued_by")
    )


# ---- satisfaction ----------------------------------------------------------------------------

OFFICER_SATISFIED = ("满意", "基本满意")
OFFICER_ANSWERS = ("满意", "基本满意", "不满意")


@dataclass
class Figure:
    """A share (%) and how many answers it rests on; None when there are none."""

    n: int = 0
    yes: int = 0

    @property
    def share(self) -> float | None:
        return round(100 * self.yes / self.n, 1) if self.n else None


@dataclass
class SatisfactionRow:
    unit: Unit
    public: Figure = field(default_factory=Figure)
    public_safety: Figure = field(default_factory=Figure)
    public_topics: Figure = field(default_factory=Figure)
    followup: Figure = field(default_factory=Figure)
    officers: Figure = field(default_factory=Figure)


def satisfaction(campaign: Campaign | None, units: list[Unit]) -> list[SatisfactionRow]:
    """Three separate figures per unit, never blended: the public's ratings on the public
    page (satisfied or basically satisfied), the residents' answers at the follow-up (回访)
    of findings, and the answers officers recorded on their visit forms."""
    rows = {u.pk: SatisfactionRow(u) for u in units}
    ratings = PublicSubmission.objects.filter(
        kind=SubmissionKind.RATING, state=SubmissionState.ACCEPTED
    )
    visits = Visit.objects.filter(answers__satisfaction__in=OFFICER_ANSWERS)
    findings = Finding.objects.filter(followup_satisfied__isnull=False)
    if campaign is not None:
        ratings = ratings.filter(campaign=campaign)
        visits = visits.filter(campaign=campaign)
        findings = findings.filter(campaign=campaign)
    for unit_id, r in by_unit(
        ratings,
        units,
        n=Count("pk"),
        yes=Count("pk", filter=Q(satisfaction__in=("satisfied", "fair"))),
        safe=Count("pk", filter=Q(safety__in=("safe", "fair"))),
        topics_n=Count("pk", filter=Q(topics_explained__isnull=False)),
        topics=Count("pk", filter=Q(topics_explained=True)),
    ).items():
        row = rows[unit_id]
        row.public = Figure(r["n"], r["yes"])
        row.public_safety = Figure(r["n"], r["safe"])
        row.public_topics = Figure(r["topics_n"], r["topics"])
    for unit_id, r in by_unit(
        findings, units, n=Count("pk"), yes=Count("pk", filter=Q(followup_satisfied=True))
    ).items():
        rows[unit_id].followup = Figure(r["n"], r["yes"])
    for unit_id, r in by_unit(
        visits,
        units,
        n=Count("pk"),
        yes=Count("pk", filter=Q(answers__satisfaction__in=OFFICER_SATISFIED)),
    ).items():
        rows[unit_id].officers = Figure(r["n"], r["yes"])
    return list(rows.values())


# ---- the moderation queue and the beat's requests -------------------------------------------


def submission_list(
    user: User, *, state: str = "", kind: str = "", unit: Unit | None = None
) -> QuerySet[PublicSubmission]:
    qs = PublicSubmission.objects.visible_to(user).select_related("beat")
    if unit is not None:
        qs = qs.in_subtree(unit.path)
    if state in SubmissionState.values:
        qs = qs.filter(state=state)
    if kind in SubmissionKind.values:
        qs = qs.filter(kind=kind)
    return qs.order_by("-created_at", "-pk")


def held_count(user: User) -> int:
    return PublicSubmission.objects.visible_to(user).filter(state=SubmissionState.HELD).count()
