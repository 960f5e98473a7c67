"""The dashboard's figures for one unit and campaign, from the rollups only
(`visits.figures`, `findings.figures`): the page costs a few rows per beat of the subtree and
does not grow with the tasks, visits or findings. The caller has checked that the user sees
`unit` (`dashboard.access.get_dashboard_unit`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from zoufang.campaigns.models import Campaign, CatalogItem, Phase
from zoufang.findings import figures as ffig
from zoufang.findings.models import FindingKind, Grade, State
from zoufang.org.models import Unit
from zoufang.visits import figures as vfig
from zoufang.visits.models import VisitKind


@dataclass
class Plan:
    """The plan line: coverage rising straight to 100 % from the campaign's start to the end
    of the concentrated visiting phase (or of the campaign, without one)."""

    start: dt.date
    end: dt.date

    def percent(self, day: dt.date) -> float:
        if day < self.start:
            return 0.0
        span = (self.end - self.start).days + 1
        return round(min(100.0, 100 * ((day - self.start).days + 1) / span), 1)


def campaign_plan(campaign: Campaign) -> Plan:
    visiting = campaign.phases.filter(kind=Phase.Kind.VISITING).first()
    return Plan(start=campaign.start_date, end=visiting.end_date if visiting else campaign.end_date)


@dataclass
class Comparison:
    label: str
    now: int
    before: int

    @property
    def arrow(self) -> str:
        return "up" if self.now > self.before else "down" if self.now < self.before else "flat"

    @property
    def change(self) -> int:
        return self.now - self.before


@dataclass
class Dashboard:
    unit: Unit
    campaign: Campaign
    today: dt.date
    plan: Plan
    tasks: vfig.TaskCounts
    days: list[dict[str, Any]]
    kinds: list[dict[str, Any]]
    findings: ffig.FindingCounts
    median_close_hours: int | None
    by_kind: list[tuple[str, str, int]]
    by_grade: list[tuple[str, str, int]]
    by_state: list[tuple[str, str, int]]
    publicity: list[dict[str, Any]]
    compliance: vfig.ComplianceCounts
    comparisons: list[tuple[str, list[Comparison]]]
    children: list[dict[str, Any]] = field(default_factory=list)


def _visits_between(days: dict, since: dt.date, until: dt.date, outcome: str | None = None) -> int:
    return sum(
        n
        for (day, _kind, out), n in days.items()
        if since <= day <= until and (outcome is None or out == outcome)
    )


def _daily(days: dict, plan: Plan, total: int, start: dt.date, today: dt.date) -> list[dict]:
    """One row per campaign day up to today: visits, completed, cumulative coverage, plan."""
    per_day: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0])
    for (day, _kind, outcome), n in days.items():
        per_day[day][0] += n
        if outcome == "visited":
            per_day[day][1] += n
    rows, covered, day = [], 0, start
    while day <= today:
        visits, done = per_day.get(day, (0, 0))
        covered += done
        rows.append(
            {
                "day": day,
                "visits": visits,
                "visited": done,
                "coverage": round(100 * covered / total, 1) if total else 0.0,
                "plan": plan.percent(day),
            }
        )
        day += dt.timedelta(days=1)
    return rows


def _comparisons(days: dict, fdays: dict, today: dt.date) -> list[tuple[str, list[Comparison]]]:
    yesterday = today - dt.timedelta(days=1)
    week = today - dt.timedelta(days=today.weekday())  # Monday
    last_week, last_week_end = week - dt.timedelta(days=7), today - dt.timedelta(days=7)

    def findings(since: dt.date, until: dt.date, i: int) -> int:
        return sum(v[i] for d, v in fdays.items() if since <= d <= until)

    def group(a: tuple[dt.date, dt.date], b: tuple[dt.date, dt.date]) -> list[Comparison]:
        return [
            Comparison("visits", _visits_between(days, *a), _visits_between(days, *b)),
            Comparison(
                "visited",
                _visits_between(days, *a, outcome="visited"),
                _visits_between(days, *b, outcome="visited"),
            ),
            Comparison("raised", findings(*a, 0), findings(*b, 0)),
            Comparison("closed", findings(*a, 1), findings(*b, 1)),
        ]

    return [
        ("day", group((today, today), (yesterday, yesterday))),
        # This week so far against the same days of last week.
        ("week", group((week, today), (last_week, last_week_end))),
    ]


def _publicity(unit: Unit, campaign: Campaign, visits: int) -> list[dict[str, Any]]:
    items = CatalogItem.objects.filter(
        campaign=campaign,
        kind__in=(CatalogItem.Kind.TOPIC, CatalogItem.Kind.LEAFLET),
        is_active=True,
    ).order_by("kind", "order")
    counts = vfig.item_counts(unit.path, campaign.pk)
    return [
        {
            "item": i,
            "kind": i.kind,
            "visits": counts.get(i.pk, (0, 0))[0],
            "quantity": counts.get(i.pk, (0, 0))[1],
            "rate": round(100 * counts.get(i.pk, (0, 0))[0] / visits, 1) if visits else 0.0,
        }
        for i in items
    ]


def _labelled(counts: dict, choices: Any) -> list[tuple[str, str, int]]:
    return [(c.value, str(c.label), counts.get(c.value, 0)) for c in choices]


def _kinds(findings: ffig.FindingCounts) -> list[tuple[str, str, int]]:
    """Findings by top-level kind (sub-kinds counted in their parent)."""
    kinds = {k.pk: k for k in FindingKind.objects.select_related("parent")}
    totals: dict[int, int] = defaultdict(int)
    for kind_id, n in findings.by_kind.items():
        k = kinds.get(kind_id)
        top = k.parent if k is not None and k.parent_id else k
        if top is not None:
            totals[top.pk] += n
    tops = sorted((kinds[pk] for pk in totals), key=lambda k: (k.sort_order, k.code))
    return [(k.code, k.name, totals[k.pk]) for k in tops]


def dashboard(unit: Unit, campaign: Campaign, *, today: dt.date | None = None) -> Dashboard:
    """Every figure of the dashboard for `unit`'s subtree."""
    today = today or timezone.localdate()
    plan = campaign_plan(campaign)
    tasks = vfig.task_counts(unit.path, campaign.pk)
    days = vfig.visit_days(unit.path, campaign.pk)
    fdays = ffig.finding_days(unit.path, campaign.pk)
    findings = ffig.finding_counts(unit.path, campaign.pk)
    n_topics = CatalogItem.objects.filter(
        campaign=campaign, kind=CatalogItem.Kind.TOPIC, is_active=True
    ).count()
    compliance = vfig.compliance_counts(unit.path, campaign.pk, n_topics=n_topics)
    target = plan.percent(today)
    kinds = [
        {
            "kind": k.value,
            "label": str(k.label),
            "tasks": tasks.total(k.value),
            "visited": tasks.total(k.value, "visited"),
            "rate": tasks.rate(k.value),
            "target": target,
        }
        for k in VisitKind
    ]
    return Dashboard(
        unit=unit,
        campaign=campaign,
        today=today,
        plan=plan,
        tasks=tasks,
        days=_daily(days, plan, tasks.total(), campaign.start_date, today),
        kinds=kinds,
        findings=findings,
        median_close_hours=ffig.median_close_hours(unit.path, campaign.pk),
        by_kind=_kinds(findings),
        by_grade=_labelled(findings.by_grade, Grade),
        by_state=_labelled(findings.by_state, State),
        publicity=_publicity(unit, campaign, compliance.visits),
        compliance=compliance,
        comparisons=_comparisons(days, fdays, today),
        children=ranking(unit, campaign, today=today, n_topics=n_topics),
    )


def ranking(
    unit: Unit, campaign: Campaign, *, today: dt.date, n_topics: int
) -> list[dict[str, Any]]:
    """The child units with each figure (coverage, visits today and this week, open and
    overdue findings, compliance), for ranking: one grouped query per rollup."""
    children = list(Unit.objects.filter(parent=unit).order_by("sort_order", "code"))
    if not children:
        return []
    tasks = vfig.task_counts(unit.path, campaign.pk, by_child=True)
    week = today - dt.timedelta(days=today.weekday())
    visits_today = vfig.visits_by_child(unit.path, campaign.pk, since=today, until=today)
    visits_week = vfig.visits_by_child(unit.path, campaign.pk, since=week, until=today)
    findings = ffig.finding_counts(unit.path, campaign.pk, by_child=True)
    compliance = vfig.compliance_counts(unit.path, campaign.pk, n_topics=n_topics, by_child=True)
    rows = []
    for c in children:
        t = tasks.get(c.path) or vfig.TaskCounts()
        f = findings.get(c.path) or ffig.FindingCounts()
        comp = compliance.get(c.path) or vfig.ComplianceCounts()
        rows.append(
            {
                "unit": c,
                "tasks": t.total(),
                "visited": t.total(state="visited"),
                "coverage": t.rate(),
                "visits_today": sum(visits_today.get(c.path, {}).values()),
                "visits_week": sum(visits_week.get(c.path, {}).values()),
                "findings": f.total,
                "open": f.open,
                "overdue": f.overdue,
                "supervised": f.supervised,
                "compliance": comp.rate(comp.compliant),
            }
        )
    return rows


RANK_KEYS = (
    "coverage",
    "visits_today",
    "visits_week",
    "open",
    "overdue",
    "supervised",
    "compliance",
)


def ranked(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """The rows ranked on one figure (highest first), each with its share of the top value
    (for the % bar)."""
    key = key if key in RANK_KEYS else "coverage"
    out = sorted(rows, key=lambda r: (-r[key], r["unit"].code))
    top = max((r[key] for r in out), default=0) or 1
    for r in out:
        r["bar"] = r[key] if key in ("coverage", "compliance") else round(100 * r[key] / top, 1)
    return out
