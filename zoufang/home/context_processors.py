"""The page header's campaign: its name, the phase of today and the day number."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from zoufang.campaigns.services import request_campaign


def campaign(request: HttpRequest) -> dict[str, Any]:
    """The current campaign and phase, shown in the page header."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    current = request_campaign(request)
    return {
        "current_campaign": current,
        "current_phase": current.current_phase if current else None,
    }
