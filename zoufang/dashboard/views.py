"""The command dashboard (指挥看板): one page per unit in the user's scope, every figure from
the rollups, each chart with its table and its xlsx."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zoufang.campaigns.services import request_campaign
from zoufang.core.replica import replica_reads
from zoufang.core.scope import user_scope
from zoufang.core.xlsx import xlsx_response
from zoufang.dashboard import access, panels, selectors
from zoufang.org.models import Unit

COMPARE_LABELS = {
    "visits": gettext_lazy("Visits"),
    "visited": gettext_lazy("Completed visits"),
    "raised": gettext_lazy("Findings raised"),
    "closed": gettext_lazy("Findings closed"),
}
RANK_LABELS = {
    "coverage": gettext_lazy("Coverage %"),
    "visits_today": gettext_lazy("Visits today"),
    "visits_week": gettext_lazy("Visits this week"),
    "open": gettext_lazy("Open findings"),
    "overdue": gettext_lazy("Overdue"),
    "supervised": gettext_lazy("督办"),
    "compliance": gettext_lazy("Compliance %"),
}
PERCENT_KEYS = ("coverage", "compliance")


def _chain(user: Any, unit: Unit) -> list[Unit]:
    scope = user_scope(user)
    return [a for a in unit.ancestors() if scope.contains(a.path)] + [unit]


def tables(d: selectors.Dashboard) -> dict[str, tuple[str, list[str], list[list[Any]]]]:
    """Each figure as (title, headers, rows): the table view and the xlsx of its chart."""
    return {
        "coverage": (
            _("Coverage by visit kind"),
            [_("Visit kind"), _("Tasks"), _("Visited"), _("Coverage %"), _("Plan %")],
            [[k["label"], k["tasks"], k["visited"], k["rate"], k["target"]] for k in d.kinds],
        ),
        "daily": (
            _("Visits per day and cumulative coverage"),
            [_("Day"), _("Visits"), _("Completed visits"), _("Coverage %"), _("Plan %")],
            [[r["day"], r["visits"], r["visited"], r["coverage"], r["plan"]] for r in d.days],
        ),
        "findings_kind": (
            _("Findings by kind"),
            [_("Kind"), _("Findings")],
            [[label, n] for _c, label, n in d.by_kind],
        ),
        "findings_grade": (
            _("Findings by grade"),
            [_("Grade"), _("Findings")],
            [[label, n] for _c, label, n in d.by_grade],
        ),
        "findings_state": (
            _("Findings by state"),
            [_("State"), _("Findings")],
            [[label, n] for _c, label, n in d.by_state],
        ),
        "publicity": (
            _("Publicity topics and leaflets"),
            [_("Item"), _("Completed visits with it"), _("Share %"), _("Leaflets handed out")],
            [[p["item"].name, p["visits"], p["rate"], p["quantity"]] for p in d.publicity],
        ),
        "ranking": (
            _("Units ranked"),
            [_("Unit"), _("Tasks"), _("Visited"), *[str(v) for v in RANK_LABELS.values()]],
            [
                [r["unit"].name, r["tasks"], r["visited"], *[r[k] for k in RANK_LABELS]]
                for r in d.children
            ],
        ),
        "compare": (
            _("Today against yesterday, this week against last"),
            [_("Period"), _("Figure"), _("Now"), _("Before"), _("Change")],
            [
                [_period(period), str(COMPARE_LABELS[c.label]), c.now, c.before, c.change]
                for period, items in d.comparisons
                for c in items
            ],
        ),
    }


def _period(period: str) -> str:
    return _("Today / yesterday") if period == "day" else _("This week / last week")


def _chart_data(d: selectors.Dashboard, rank_key: str) -> dict[str, Any]:
    ranked = selectors.ranked(list(d.children), rank_key)
    return {
        "kinds": {
            "labels": [k["label"] for k in d.kinds],
            "rate": [k["rate"] for k in d.kinds],
            "target": [k["target"] for k in d.kinds],
        },
        "daily": {
            "days": [r["day"].strftime("%m-%d") for r in d.days],
            "visits": [r["visits"] for r in d.days],
            "visited": [r["visited"] for r in d.days],
            "coverage": [r["coverage"] for r in d.days],
            "plan": [r["plan"] for r in d.days],
        },
        "findings_kind": [{"name": label, "value": n} for _c, label, n in d.by_kind if n],
        "findings_grade": [{"name": label, "value": n} for _c, label, n in d.by_grade if n],
        "findings_state": {
            "labels": [label for _c, label, n in d.by_state],
            "values": [n for _c, _label, n in d.by_state],
        },
        "publicity": {
            "labels": [p["item"].name for p in d.publicity],
            "rate": [p["rate"] for p in d.publicity],
        },
        "ranking": {
            "labels": [r["unit"].name for r in ranked],
            "values": [r[rank_key] for r in ranked],
            "name": str(RANK_LABELS[rank_key]),
        },
        "labels": {
            "visits": _("Visits"),
            "visited": _("Completed visits"),
            "coverage": _("Coverage %"),
            "plan": _("Plan %"),
            "target": _("Plan % today"),
        },
    }


def _links(unit: Unit) -> dict[str, str]:
    ledger = reverse("findings:ledger")
    return {
        "coverage": f"{reverse('visits:coverage')}?unit={unit.pk}",
        "ledger": f"{ledger}?unit={unit.pk}",
        "overdue": f"{ledger}?unit={unit.pk}&queue=overdue",
        "supervised": f"{ledger}?unit={unit.pk}&queue=supervised",
        "unvisited": reverse("visits:unvisited", args=[unit.pk])
        if unit.level == Unit.Level.BEAT
        else "",
    }


@replica_reads
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The dashboard of the unit `?unit=` (the user's own by default; 404 outside their
    scope); `?export=<figure>` downloads that figure's table as xlsx; `?rank=` picks the
    figure the child units are ranked on."""
    user = request.user
    unit = access.get_dashboard_unit(user, request.GET.get("unit"))
    campaign = request_campaign(request)
    if campaign is None:
        return render(request, "dashboard/no_campaign.html", {"unit": unit})
    d = selectors.dashboard(unit, campaign)
    export = request.GET.get("export", "")
    if export:
        table = tables(d).get(export)
        if table is None:
            raise Http404
        title, headers, rows = table
        return xlsx_response(request, f"dashboard-{export}-{unit.code}", headers, rows, sheet=title)
    rank_key = request.GET.get("rank", "coverage")
    rank_key = rank_key if rank_key in RANK_LABELS else "coverage"
    ranked = selectors.ranked(list(d.children), rank_key)
    for r in ranked:
        r["value_text"] = f"{r[rank_key]}%" if rank_key in PERCENT_KEYS else str(r[rank_key])
    context = {
        "d": d,
        "unit": unit,
        "chain": _chain(user, unit),
        "tables": tables(d),
        "chart": _chart_data(d, rank_key),
        "ranked": ranked,
        "rank_key": rank_key,
        "rank_label": RANK_LABELS[rank_key],
        "rank_labels": RANK_LABELS,
        "compare_labels": COMPARE_LABELS,
        "links": _links(unit),
        "phase": campaign.phase_on(d.today),
        "slots": panels.panels_for(user, unit, campaign),
    }
    return render(request, "dashboard/dashboard.html", context)
