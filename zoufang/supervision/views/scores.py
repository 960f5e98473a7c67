"""The score table and ranking with its trend, the office's settings (thresholds and
weights), and the supervision home page (what the campaign's phase puts first)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zoufang.core.replica import replica_reads
from zoufang.core.xlsx import xlsx_response
from zoufang.org.models import Unit
from zoufang.supervision import access, scoring
from zoufang.supervision.selectors import common
from zoufang.supervision.services import scores as score_service
from zoufang.supervision.services.config import (
    THRESHOLDS,
    settings_for,
    settings_update,
    weights_for,
)
from zoufang.supervision.views.deployment import chosen_unit


@login_required
def index(request: HttpRequest) -> HttpResponse:
    access.require_view(request.user)
    campaign = common.current_campaign()
    phase = campaign.current_phase
    return render(
        request,
        "supervision/index.html",
        {"pages": common.pages_for_phase(phase.kind if phase else None), "phase": phase},
    )


def _rows(request: HttpRequest, unit: Unit, campaign, weights):  # type: ignore[no-untyped-def]
    if unit.level == Unit.Level.STATION:
        return score_service.score_teams(campaign, unit, weights), True
    children = list(Unit.objects.visible_to(request.user).filter(parent=unit))
    return score_service.score_units(campaign, children or [unit], weights), False


@replica_reads
@login_required
def score_table(request: HttpRequest) -> HttpResponse:
    unit = chosen_unit(request)
    campaign = common.current_campaign()
    weights = weights_for(campaign)
    rows, teams = _rows(request, unit, campaign, weights)
    used = [c for c in scoring.components() if weights.get(c.key)]
    if request.GET.get("export") == "xlsx":
        headers = [_("Rank"), _("Team") if teams else _("Unit"), _("Score")] + [
            str(c.label) for c in used
        ]
        data = ([r.rank, r.label, r.score] + [r.values.get(c.key) for c in used] for r in rows)
        return xlsx_response(request, f"scores-{unit.code}", headers, data, sheet=_("Scores"))
    table = [(r, [(c.key, r.values.get(c.key), r.drill.get(c.key)) for c in used]) for r in rows]
    trend_units = [r.unit for r in rows] if not teams else []
    return render(
        request,
        "supervision/scores.html",
        {
            "unit": unit,
            "chain": common.unit_chain(request.user, unit),
            "table": table,
            "teams": teams,
            "components": used,
            "weights": weights,
            "trend": score_service.trend(campaign, trend_units) if trend_units else None,
            "may_manage": access.may_manage(request.user),
        },
    )


@login_required
@require_POST
def snapshot_now(request: HttpRequest) -> HttpResponse:
    access.require_manage(request.user)
    n = score_service.snapshot_take(common.current_campaign())
    messages.success(request, _("Today's scores were saved for %(n)s units.") % {"n": n})
    return redirect("supervision:scores")


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    access.require_view(request.user)
    campaign = common.current_campaign()
    conf = settings_for(campaign)
    errors: dict = {}
    if request.method == "POST":
        access.require_manage(request.user)
        try:
            settings_update(campaign=campaign, actor=request.user, data=request.POST.dict())
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            messages.success(request, _("The settings were saved."))
            return redirect("supervision:settings")
    weights = weights_for(campaign)
    fields = [
        (f, conf._meta.get_field(f).verbose_name, request.POST.get(f, getattr(conf, f)), low, high)
        for f, (low, high) in THRESHOLDS.items()
    ]
    return render(
        request,
        "supervision/settings.html",
        {
            "fields": fields,
            "components": [
                (c, request.POST.get(c.key, weights.get(c.key, 0))) for c in scoring.components()
            ],
            "errors": errors,
            "post": request.POST,
            "may_manage": access.may_manage(request.user),
        },
        status=422 if errors else 200,
    )
