from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from zoufang.campaigns.models import Campaign


def campaign(request: HttpRequest) -> dict[str, Any]:
    """The current campaign and phase, shown in the page header."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    current = Campaign.objects.current()
    return {
        "current_campaign": current,
        "current_phase": current.phase_on() if current else None,
    }
