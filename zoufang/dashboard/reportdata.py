"""What a daily report holds: its figures over a date range, computed from the rollups (and,
for the overdue and 督办 lists, the findings themselves, one bounded page each), as plain
JSON so that a published report keeps them as they were."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from zoufang.campaigns.models import Campaign, CatalogItem
from zoufang.findings import figures as ffig
from zoufang.findings.models import OPEN_STATES, Finding
from zoufang.org.models import Unit
from zoufang.visits import figures as vfig

LIST_LIMIT = 100  # findings listed per section (the totals count them all)
KEY_FIGURES = (
    "coverage",
    "plan",
    "visits",
    "completed",
    "raised",
    "closed",
    "open",
    "overdue",
    "supervised",
    "median_close_hours",
    "compliance",
)


def _findings_list(qs: Any) -> list[dict[str, Any]]:
    return [
        {
            "number": f.number,
            "kind": str(f.kind),
            "grade": f.get_grade_display(),
            "state": f.get_state_display(),
            "beat": f.beat.name,
            "owner": f.owner_unit.name,
            "deadline": timezone.localtime(f.deadline).strftime("%Y-%m-%d %H:%M"),
            "supervised": f.supervised,
        }
        for f in qs.select_related("kind", "kind__parent", "beat", "owner_unit").order_by(
            "deadline", "pk"
        )[:LIST_LIMIT]
    ]


def report_data(unit: Unit, campaign: Campaign, date_from: dt.date, date_to: dt.date) -> dict:
    """Every figure of the report of `unit` over [date_from, date_to] (JSON-ready)."""
    from zoufang.dashboard.selectors import _daily, campaign_plan

    path, cid = unit.path, campaign.pk
    plan = campaign_plan(campaign)
    tasks = vfig.task_counts(path, cid)
    all_days = vfig.visit_days(path, cid, until=date_to)
    daily = [
        {**r, "day": r["day"].isoformat()}
        for r in _daily(all_days, plan, tasks.total(), campaign.start_date, date_to)
        if r["day"] >= date_from
    ]
    in_range = {k: n for k, n in all_days.items() if date_from <= k[0] <= date_to}
    fdays = ffig.finding_days(path, cid, since=date_from, until=date_to)
    findings = ffig.finding_counts(path, cid)
    n_topics = CatalogItem.objects.filter(
        campaign=campaign, kind=CatalogItem.Kind.TOPIC, is_active=True
    ).count()
    comp = vfig.compliance_counts(path, cid, n_topics=n_topics)
    covered = daily[-1]["coverage"] if daily else tasks.rate()
    key = {
        "tasks": tasks.total(),
        "visited": tasks.total(state="visited"),
        "coverage": covered,
        "plan": plan.percent(date_to),
        "visits": sum(in_range.values()),
        "completed": sum(n for (_d, _k, o), n in in_range.items() if o == "visited"),
        "raised": sum(r for r, _c in fdays.values()),
        "closed": sum(c for _r, c in fdays.values()),
        "open": findings.open,
        "overdue": findings.overdue,
        "supervised": findings.supervised,
        "median_close_hours": ffig.median_close_hours(path, cid),
        "compliance": comp.rate(comp.compliant),
    }
    scoped = Finding.objects.in_subtree(path).filter(campaign=campaign)
    return {
        "unit": {"name": unit.name, "code": unit.code, "id": unit.pk},
        "campaign": campaign.name,
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "key": key,
        "daily": daily,
        "ranking": _ranking(unit, campaign, date_from, date_to),
        "overdue": _findings_list(scoped.filter(state__in=OPEN_STATES, is_overdue=True)),
        "supervised": _findings_list(scoped.filter(supervised=True)),
    }


def _ranking(unit: Unit, campaign: Campaign, date_from: dt.date, date_to: dt.date) -> list:
    children = list(Unit.objects.filter(parent=unit).order_by("sort_order", "code"))
    tasks = vfig.task_counts(unit.path, campaign.pk, by_child=True)
    visits = vfig.visits_by_child(unit.path, campaign.pk, since=date_from, until=date_to)
    findings = ffig.finding_counts(unit.path, campaign.pk, by_child=True)
    rows = []
    for c in children:
        t = tasks.get(c.path) or vfig.TaskCounts()
        f = findings.get(c.path) or ffig.FindingCounts()
        rows.append(
            {
                "name": c.name,
                "code": c.code,
                "tasks": t.total(),
                "coverage": t.rate(),
                "visits": sum(visits.get(c.path, {}).values()),
                "open": f.open,
                "overdue": f.overdue,
                "supervised": f.supervised,
            }
        )
    return sorted(rows, key=lambda r: (-r["coverage"], r["code"]))


def changes(data: dict, previous: dict | None) -> dict[str, Any]:
    """Each key figure's change since the previous report (None without one)."""
    if not previous:
        return dict.fromkeys(KEY_FIGURES)
    out: dict[str, Any] = {}
    for k in KEY_FIGURES:
        now, before = data["key"].get(k), previous["key"].get(k)
        out[k] = None if now is None or before is None else round(now - before, 1)
    return out
