"""The lockout page. (The audit trail reads the domain apps: it is `home.views.audit_log`.)"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


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
