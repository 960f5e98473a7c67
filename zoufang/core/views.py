"""Login, home page per role, the audit trail."""

from __future__ import annotations

from typing import Any

from auditlog.models import LogEntry
from axes.models import AccessFailureLog, AccessLog
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from zoufang.campaigns.services import request_campaign
from zoufang.core.paging import paginate
from zoufang.core.roles import AUDIT_ROLES, CAMPAIGN_WIDE_ROLES, Role
from zoufang.core.scope import user_scope
from zoufang.org import selectors as org_selectors


def lockout(
    request: HttpRequest, credentials: dict[str, Any] | None = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """Shown by django-axes instead of the login form once an account is locked."""
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    if request.path.startswith("/api/"):
        message = _("Too many failed logins: this account is locked for %(m)s minutes.") % {
            "m": minutes
        }
        return JsonResponse({"detail": message, "code": "locked"}, status=429)
    return render(
        request,
        "registration/login.html",
        {"locked": True, "lock_minutes": minutes, "form": None},
        status=429,
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    campaign = request_campaign(request)
    stats = org_selectors.org_stats(user, campaign)
    scope = user_scope(user)
    context: dict[str, Any] = {
        "stats": stats,
        "scope": scope,
        "anchor": user.unit,
        "campaign_wide": user.role in CAMPAIGN_WIDE_ROLES or user.is_superuser,
        "is_researcher": user.role == Role.RESEARCHER,
    }
    if context["campaign_wide"]:
        rows = org_selectors.people_by_county(user)
        context["county_chart"] = rows
        context["county_chart_data"] = {
            "names": [r[0] for r in rows],
            "officers": [r[1] for r in rows],
            "auxiliaries": [r[2] for r in rows],
            "labels": [_("Officers"), _("Auxiliaries")],
        }
    if user.personnel_id:
        context["my_memberships"] = user.personnel.memberships.select_related(
            "team", "team__beat"
        ).filter(team__campaign=campaign)
    if campaign is not None:
        context["phases"] = campaign.phase_list
        context["research_departments"] = (
            campaign.research_departments.all() if context["is_researcher"] else []
        )
    return render(request, "core/home.html", context)


def _require_audit_reader(request: HttpRequest) -> None:
    if not (request.user.is_superuser or request.user.role in AUDIT_ROLES):
        raise PermissionDenied(
            _("Only the campaign office and the supervision group read the audit trail.")
        )


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    _require_audit_reader(request)
    tab = request.GET.get("tab", "changes")
    if tab == "logins":
        qs = AccessLog.objects.order_by("-attempt_time")
    elif tab == "failures":
        qs = AccessFailureLog.objects.order_by("-attempt_time")
    else:
        tab = "changes"
        qs = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp")
        if model := request.GET.get("model"):
            qs = qs.filter(content_type__model=model)
        if actor := request.GET.get("actor"):
            qs = qs.filter(actor__username=actor)
    page = paginate(request, qs)
    return render(request, "core/audit.html", {"page": page, "tab": tab})
