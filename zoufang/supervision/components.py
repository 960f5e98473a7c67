"""The score components supervision computes itself, registered at start-up (`apps.ready`).

Each is one grouped query over the rows of the units' subtrees (a CASE per unit on the
indexed path column), never a query per unit. Values are 0–100; a unit with nothing to
measure is left out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zoufang.campaigns.models import CatalogItem
from zoufang.core.scope import subtree_q
from zoufang.findings.models import OPEN_STATES, Finding
from zoufang.supervision.models import CrossInspection, VerificationTask
from zoufang.supervision.scoring import register_component, shared
from zoufang.visits.models import TaskState, VisitFocus, VisitTask

if TYPE_CHECKING:
    from zoufang.campaigns.models import Campaign
    from zoufang.org.models import Unit


def by_unit(qs: QuerySet, units: list[Unit], field: str = "unit_path", **aggregates) -> dict:
    """{unit id: {aggregate: value}}: `qs` grouped by which unit's subtree each row lies in."""
    if not units:
        return {}
    common = _common_path([u.path for u in units])
    if common:
        # One range scan over the units' common ancestor's subtree, not the whole table.
        qs = qs.filter(subtree_q(field, common))
    bucket = Case(
        *[When(subtree_q(field, u.path), then=Value(u.pk)) for u in units],
        default=Value(None),
        output_field=IntegerField(),
    )
    rows = (
        qs.annotate(bucket=bucket)
        .filter(bucket__isnull=False)
        .values("bucket")
        .annotate(**aggregates)
        .order_by()
    )
    return {r.pop("bucket"): r for r in rows}


def _common_path(paths: list[str]) -> str:
    """The deepest unit path every path lies under ("" when they share no root)."""
    first = paths[0].split("/")[:-1]
    depth = len(first)
    for p in paths[1:]:
        parts = p.split("/")[:-1]
        depth = min(depth, len(parts))
        while depth and parts[:depth] != first[:depth]:
            depth -= 1
    return "/".join(first[:depth]) + "/" if depth else ""


def _rate(num: int, den: int) -> float | None:
    return round(100 * num / den, 2) if den else None


def _rates(grouped: dict, num: str, den: str) -> dict[int, float]:
    out = {}
    for unit_id, r in grouped.items():
        value = _rate(r[num], r[den])
        if value is not None:
            out[unit_id] = value
    return out


def coverage(campaign: Campaign, units: list[Unit]) -> dict[int, float]:
    """Visited places as a share of the places to visit (底数清)."""
    grouped = by_unit(
        VisitTask.objects.filter(campaign=campaign),
        units,
        total=Count("pk"),
        visited=Count("pk", filter=Q(state=TaskState.VISITED)),
    )
    return _rates(grouped, "visited", "total")


def _findings(campaign: Campaign, units: list[Unit]) -> dict:
    """Every findings figure per unit in one grouped query, shared by the three findings
    components within one score computation (`scoring.shared`)."""
    return shared(
        ("findings", campaign.pk, tuple(u.pk for u in units)),
        lambda: by_unit(
            Finding.objects.filter(campaign=campaign),
            units,
            raised=Count("pk"),
            resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
            on_time=Count("pk", filter=Q(resolved_at__isnull=False, was_overdue=False)),
            followed_up=Count("pk", filter=Q(followup_satisfied__isnull=False)),
            satisfied=Count("pk", filter=Q(followup_satisfied=True)),
            open=Count("pk", filter=Q(state__in=OPEN_STATES)),
            overdue=Count("pk", filter=Q(state__in=OPEN_STATES, is_overdue=True)),
        ),
    )


def timeliness(campaign: Campaign, units: list[Unit]) -> dict[int, float]:
    """Findings resolved before their deadline, as a share of those resolved."""
    return _rates(_findings(campaign, units), "on_time", "resolved")


def resolution(campaign: Campaign, units: list[Unit]) -> dict[int, float]:
    """Findings resolved, as a share of those raised."""
    return _rates(_findings(campaign, units), "resolved", "raised")


def satisfaction(campaign: Campaign, units: list[Unit]) -> dict[int, float]:
    """Residents satisfied at the follow-up (回访), as a share of those followed up."""
    return _rates(_findings(campaign, units), "satisfied", "followed_up")


def verification(campaign: Campaign, units: list[Unit]) -> dict[int, float]:
    """Verified visits confirmed (it happened and the facts are right), as a share of those
    verified."""
    grouped = by_unit(
        VerificationTask.objects.filter(campaign=campaign, state=VerificationTask.State.DONE),
        units,
        done=Count("pk"),
        confirmed=Count("pk", filter=Q(happened=True, facts_right=True)),
    )
    return _rates(grouped, "confirmed", "done")


def inspection(campaign: Campaign, units: list[Unit]) -> dict[int, float]:
    """The mean checklist score of the cross-inspections done of the unit, of a unit inside
    it, or of the unit it lies in (a station is judged by its county's inspection when it had
    none of its own)."""
    done = list(CrossInspection.objects.filter(campaign=campaign, state=CrossInspection.State.DONE))
    out = {}
    for u in units:
        inside = [i.checklist_score for i in done if i.unit_path.startswith(u.path)]
        around = [i.checklist_score for i in done if u.path.startswith(i.unit_path)]
        scores = [s for s in (inside or around) if s is not None]
        if scores:
            out[u.pk] = round(sum(scores) / len(scores), 2)
    return out


def focuses_inspected(campaign: Campaign, units: list[Unit]) -> dict[int, float]:
    """The six 排查重点 (key persons, key areas, key items, disputes, fire safety, fugitives)
    actually inspected: of the campaign's active focuses, the share that the unit's visits
    recorded at least once (`VisitFocus`, one row per visit and focus). A unit with no
    recorded focus yet is left out (no data), not scored 0."""
    active = CatalogItem.objects.filter(
        campaign=campaign, kind=CatalogItem.Kind.FOCUS, is_active=True
    ).values_list("pk", flat=True)
    total = len(active)
    if not total:
        return {}
    grouped = by_unit(
        VisitFocus.objects.filter(campaign=campaign, item_id__in=list(active)),
        units,
        covered=Count("item", distinct=True),
    )
    return {unit_id: round(100 * r["covered"] / total, 1) for unit_id, r in grouped.items()}


def _url(name: str, param: str = "unit"):  # type: ignore[no-untyped-def]
    return lambda unit: f"{reverse(name)}?{param}={unit.pk}"


# key, label, measure, default weight, drill-down page, weak below, what it divides.
BUILTIN = [
    ("coverage", _("Visit coverage"), coverage, 25, "visits:coverage", 60,
     _("visited places / places to visit")),
    ("focuses", _("Six inspection focuses covered"), focuses_inspected, 5, "visits:coverage", 50,
     _("focuses recorded on the unit's visits / the campaign's focuses")),
    ("timeliness", _("Findings handled on time"), timeliness, 15, "findings:stats", 70,
     _("resolved before the deadline / resolved")),
    ("resolution", _("Findings resolved"), resolution, 10, "findings:stats", 50,
     _("resolved / raised")),
    ("satisfaction", _("Follow-up satisfaction"), satisfaction, 10, "findings:stats", 80,
     _("satisfied / followed up")),
    ("verification", _("Verification confirmed"), verification, 15,
     "supervision:verification_list", 90, _("confirmed / verified")),
    ("inspection", _("Cross-inspection result"), inspection, 10, "supervision:inspection_board",
     75, _("checklist items met / items")),
]  # fmt: skip


def register_builtin() -> None:
    for key, label, fn, weight, page, weak, description in BUILTIN:
        register_component(
            key, label, fn, weight, drill=_url(page), weak_below=weak, description=description
        )
