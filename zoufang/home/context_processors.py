"""The page header's campaign: its name, the phase of today, which day of that phase and which
day of the campaign ("集中走访第 6 天 · 活动第 11 天")."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from zoufang.campaigns.services import request_campaign


def campaign(request: HttpRequest) -> dict[str, Any]:
    """The current campaign and phase, shown in the page header."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    current = request_campaign(request)
    phase = current.current_phase if current else None
    today = timezone.localdate()
    return {
        "current_campaign": current,
        "current_phase": phase,
        "phase_day": (today - phase.start_date).days + 1 if phase else None,
        "campaign_day": current.day_number(today) if current else None,
    }
