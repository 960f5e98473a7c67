"""The deployment page (力量到位): a unit's not-deployed people, rule-breaking teams, workload
outliers and teams not started, with counts per child unit and an xlsx export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from zoufang.core.replica import replica_reads
from zoufang.core.xlsx import xlsx_response
from zoufang.org.models import Unit
from zoufang.supervision import access
from zoufang.supervision.selectors import common
from zoufang.supervision.selectors.deployment import Deployment, deployment
from zoufang.supervision.services.config import settings_for


def chosen_unit(request: HttpRequest) -> Unit:
    """`?unit=` if the user may see it (404 otherwise), else the user's root unit."""
    access.require_view(request.user)
    raw = request.GET.get("unit", "")
    if raw.isdigit():
        return access.get_unit_for_user(request.user, int(raw))
    unit = common.root_unit(request.user)
    if unit is None:
        raise Http404
    return unit


@replica_reads
@login_required
def deployment_page(request: HttpRequest) -> HttpResponse:
    unit = chosen_unit(request)
    campaign = common.current_campaign()
    conf = settings_for(campaign)
    result = deployment(
        request.user,
        unit=unit,
        campaign=campaign,
        start_by_day=conf.start_by_day,
        iqr_factor=conf.workload_iqr_factor,
    )
    if request.GET.get("export") == "xlsx":
        return _export(request, result)
    return render(
        request,
        "supervision/deployment.html",
        {
            "unit": unit,
            "chain": common.unit_chain(request.user, unit),
            "d": result,
            "conf": conf,
            "may_manage": access.may_manage(request.user),
        },
    )


HEADERS = [
    gettext_noop("Check"),
    gettext_noop("Unit"),
    gettext_noop("Name"),
    gettext_noop("Detail"),
]


def _rows(d: Deployment):  # type: ignore[no-untyped-def]
    for p in d.people:
        yield [_("Not deployed"), p.unit.name, p.name, p.get_kind_display()]
    for c in d.breaking:
        yield [_("Team breaks a rule"), c.team.beat.name, c.team.name, "; ".join(c.problems)]
    for c in d.outliers:
        label = (
            _("too much work per member")
            if c.outlier == "high"
            else _("too little work per member")
        )
        yield [_("Strength vs workload"), c.team.beat.name, c.team.name, f"{label}: {c.load}"]
    for c in d.not_started:
        detail = (
            _("first visit %(at)s") % {"at": c.first_visit.strftime("%Y-%m-%d")}
            if c.first_visit
            else _("no visit yet")
        )
        yield [_("Not started"), c.team.beat.name, c.team.name, detail]


def _export(request: HttpRequest, d: Deployment) -> HttpResponse:
    return xlsx_response(
        request,
        f"deployment-{d.unit.code}",
        [_(h) for h in HEADERS],
        _rows(d),
        sheet=_("Deployment"),
    )
