"""The home page per role."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from zoufang.campaigns.services import request_campaign
from zoufang.core.roles import CAMPAIGN_WIDE_ROLES, Role
from zoufang.core.scope import user_scope
from zoufang.findings.selectors import department_findings
from zoufang.home import selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    campaign = request_campaign(request)
    stats = selectors.org_stats(user, campaign)
    scope = user_scope(user)
    context: dict[str, Any] = {
        "stats": stats,
        "scope": scope,
        "anchor": user.unit,
        "campaign_wide": user.role in CAMPAIGN_WIDE_ROLES or user.is_superuser,
        "is_researcher": user.role == Role.RESEARCHER,
    }
    if context["campaign_wide"]:
        rows = selectors.people_by_county(user)
        context["county_chart"] = rows
        context["county_chart_data"] = {
            "names": [r[0] for r in rows],
            "officers": [r[1] for r in rows],
            "auxiliaries": [r[2] for r in rows],
            "labels": [_("Officers"), _("Auxiliaries")],
        }
    if context["is_researcher"]:
        context["department_findings"] = department_findings(user).count()
    if user.personnel_id:
        context["my_memberships"] = user.personnel.memberships.select_related(
            "team", "team__beat"
        ).filter(team__campaign=campaign)
    if campaign is not None:
        context["phases"] = campaign.phase_list
        context["research_departments"] = (
            campaign.research_departments.all() if context["is_researcher"] else []
        )
    return render(request, "home/home.html", context)
