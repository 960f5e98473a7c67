"""Outreach's panels on the command dashboard (found by `dashboard.panels`): the three
satisfaction figures with what each rests on, the drives, and leaflet stock."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zoufang.campaigns.models import CatalogItem
from zoufang.outreach import selectors


def _figure(figure: selectors.Figure) -> str:
    if figure.share is None:
        return _("no answers yet")
    return _("%(share)s%% of %(n)d") % {"share": figure.share, "n": figure.n}


def satisfaction_context(user: Any, unit: Any, campaign: Any) -> dict[str, Any] | None:
    row = selectors.satisfaction(campaign, [unit])[0]
    url = reverse("outreach:satisfaction") + f"?unit={unit.pk}"
    return {
        "rows": [
            (_("Public ratings (public page)"), _figure(row.public), url),
            (_("Follow-up of findings (回访)"), _figure(row.followup), url),
            (_("Officers' visit forms"), _figure(row.officers), url),
        ]
    }


def drives_context(user: Any, unit: Any, campaign: Any) -> dict[str, Any] | None:
    if campaign is None:
        return None
    rows = []
    for t in selectors.drive_totals(user, campaign, unit):
        url = reverse("outreach:drive", args=[t.drive.pk]) + f"?unit={unit.pk}"
        rows.append(
            (
                t.drive.name,
                _("%(events)d events · %(people)d people")
                % {"events": t.events, "people": t.people},
                url,
            )
        )
    return {"rows": rows}


def leaflets_context(user: Any, unit: Any, campaign: Any) -> dict[str, Any] | None:
    if campaign is None:
        return None
    items = selectors.catalog(campaign, CatalogItem.Kind.LEAFLET)
    row = selectors.leaflet_stock(campaign, [unit])[0]
    url = reverse("outreach:leaflets") + f"?unit={unit.pk}"
    return {
        "rows": [
            (
                i.name,
                _("%(handed)d handed out · %(left)d left")
                % {"handed": row.handed(i.pk), "left": row.left(i.pk)}
                + (" · " + _("low stock") if row.is_low(i.pk) else ""),
                url,
            )
            for i in items
        ]
    }


PANELS = [
    {
        "slot": "satisfaction",
        "title": gettext_lazy("Satisfaction, three separate figures"),
        "template": "dashboard/_panel.html",
        "context": satisfaction_context,
        "order": 10,
    },
    {
        "slot": "satisfaction",
        "title": gettext_lazy("Publicity drives"),
        "template": "dashboard/_panel.html",
        "context": drives_context,
        "order": 20,
    },
    {
        "slot": "satisfaction",
        "title": gettext_lazy("Leaflets"),
        "template": "dashboard/_panel.html",
        "context": leaflets_context,
        "order": 30,
    },
]
