"""The dashboard's map: a page per unit in scope, and its data as JSON (the page's script
asks for it again, with the box in view, when the user zooms or pans)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from zoufang.campaigns.services import request_campaign
from zoufang.core.scope import user_scope
from zoufang.dashboard import access, mapdata
from zoufang.org.models import Unit


def _chain(user, unit: Unit) -> list[Unit]:  # type: ignore[no-untyped-def]
    scope = user_scope(user)
    return [a for a in unit.ancestors() if scope.contains(a.path)] + [unit]


@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    """The map of `?unit=` (the user's own unit by default; 404 outside their scope)."""
    unit = access.get_dashboard_unit(request.user, request.GET.get("unit"))
    campaign = request_campaign(request)
    if campaign is None:
        return render(request, "dashboard/no_campaign.html", {"unit": unit})
    shade = request.GET.get("shade", "coverage")
    shade = shade if shade in mapdata.SHADES else "coverage"
    values = mapdata.child_values(unit, campaign, shade)
    return render(
        request,
        "dashboard/map.html",
        {
            "unit": unit,
            "chain": _chain(request.user, unit),
            "shade": shade,
            "values": sorted(values, key=lambda v: (-v["value"], v["code"])),
            "is_beat": unit.level == Unit.Level.BEAT,
            "labels": {
                "findings": _("Open findings"),
                "visits": _("Today's visits"),
                "unvisited": _("Unvisited addresses"),
                "noShapes": _("No boundaries loaded for these units: points only."),
                "cluster": _("points here — zoom in"),
                "open": _("Open"),
            },
        },
    )


@login_required
def map_json(request: HttpRequest) -> JsonResponse:
    """The map's shapes, shading and points; `?box=min_lon,min_lat,max_lon,max_lat` limits the
    points to the view (zoomed in: fewer, finer clusters)."""
    unit = access.get_dashboard_unit(request.user, request.GET.get("unit"))
    campaign = request_campaign(request)
    if campaign is None:
        raise Http404
    data = mapdata.map_data(
        request.user,
        unit,
        campaign,
        shade=request.GET.get("shade", "coverage"),
        box=mapdata.Box.parse(request.GET.get("box")),
    )
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})
