"""The lockout page and the audit trail."""

from __future__ import annotations

from typing import Any

from auditlog.models import LogEntry
from axes.models import AccessFailureLog, AccessLog
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from zoufang.core.paging import paginate
from zoufang.core.roles import AUDIT_ROLES


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
