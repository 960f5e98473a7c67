"""The home page per role, and the audit trail (it reads every domain app, so it lives here)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.models import AccessFailureLog, AccessLog
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from zoufang.campaigns.services import request_campaign
from zoufang.core.paging import paginate
from zoufang.core.replica import replica_reads
from zoufang.core.roles import AUDIT_ROLES, CAMPAIGN_WIDE_ROLES, Role
from zoufang.core.scope import user_scope
from zoufang.core.xlsx import xlsx_response
from zoufang.dashboard import views as dashboard_views
from zoufang.dashboard.access import may_steer
from zoufang.findings.selectors import department_findings
from zoufang.home import audit, selectors
from zoufang.home.audit_render import entries


@replica_reads
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The steering roles' home page is the command dashboard of their scope; officers and
    auxiliaries keep their today-first page, researchers their department's page."""
    user = request.user
    if may_steer(user):
        return dashboard_views.dashboard(request)
    if user.role == Role.RESEARCHER and user.department_id is not None:
        # A researcher's home is their department's research work.
        return redirect("research:index")
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


AUDIT_HEADERS = [
    gettext_noop("Time"),
    gettext_noop("Who"),
    gettext_noop("Username"),
    gettext_noop("Unit"),
    gettext_noop("Action"),
    gettext_noop("Record type"),
    gettext_noop("Record"),
    gettext_noop("What changed"),
]


def _require_audit_reader(request: HttpRequest) -> None:
    if not (request.user.is_superuser or request.user.role in AUDIT_ROLES):
        raise PermissionDenied(
            _("Only the campaign office and the supervision group read the audit trail.")
        )


def _audit_export(request: HttpRequest, filters: audit.AuditFilters) -> HttpResponse:
    def rows():  # type: ignore[no-untyped-def]
        batch = []
        for row in audit.stream(filters).iterator(chunk_size=500):
            batch.append(row)
            if len(batch) == 500:
                yield from entries(batch)
                batch = []
        yield from entries(batch)

    lines = (
        [e.at, e.who, e.username, e.unit, e.action_label, e.record_type, e.record, e.details()]
        for e in rows()
    )
    return xlsx_response(
        request, "audit", [_(h) for h in AUDIT_HEADERS], lines, sheet=_("Audit trail")
    )


def _login_page(request: HttpRequest, tab: str, filters: audit.AuditFilters):  # type: ignore[no-untyped-def]
    qs = (AccessLog if tab == "logins" else AccessFailureLog).objects.order_by("-attempt_time")
    if filters.person:
        qs = qs.filter(username=filters.person)
    if filters.date_from:
        qs = qs.filter(attempt_time__gte=audit.start_of(filters.date_from))
    if filters.date_to:
        qs = qs.filter(attempt_time__lt=audit.start_of(filters.date_to) + dt.timedelta(days=1))
    return paginate(request, qs)


@replica_reads
@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit trail: changes, imports, visits and openings of sensitive clues in one
    stream (filters, paging, xlsx); the logins and failed logins in their own tabs."""
    _require_audit_reader(request)
    filters = audit.parse_filters(request.GET)
    tab = request.GET.get("tab", "changes")
    context: dict[str, Any] = {"filters": filters, "query": filters.encoded()}
    if tab in ("logins", "failures"):
        context.update(tab=tab, page=_login_page(request, tab, filters))
        return render(request, "home/audit.html", context)
    if request.GET.get("export") == "xlsx":
        return _audit_export(request, filters)
    page = paginate(request, audit.stream(filters))
    context.update(
        tab="changes",
        page=page,
        entries=entries(page.object_list),
        actions=list(audit.ACTIONS.items()),
        record_types=audit.record_types(),
        units=audit.unit_choices(),
    )
    return render(request, "home/audit.html", context)
