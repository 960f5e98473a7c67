"""The research's panels on the command dashboard (found by `dashboard.panels`): each
department's topics, activities, problems and how many became findings; the questionnaires'
response rates in the unit looked at."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zoufang.research import access, selectors
from zoufang.research.models import Questionnaire


def departments_context(user: Any, unit: Any, campaign: Any) -> dict[str, Any] | None:
    """Research is the city bureau's: shown on the city's view to those who read research."""
    if not access.may_use_research(user) or unit is None or unit.parent_id is not None:
        return None
    rows = selectors.department_overview(user, campaign)
    return {"rows": rows, "url": reverse("research:index")}


def rates_context(user: Any, unit: Any, campaign: Any) -> dict[str, Any] | None:
    """Each published questionnaire's response rate among the invitees of the unit's subtree
    (the leadership questionnaires on the city's view only)."""
    if campaign is None or unit is None:
        return None
    qs = Questionnaire.objects.filter(campaign=campaign, state=Questionnaire.State.PUBLISHED)
    if unit.parent_id is not None:
        qs = qs.filter(audience=Questionnaire.Audience.OFFICERS)
    rows = []
    for q in qs.order_by("-published_at")[:8]:
        rate = selectors.response_rate(q, None if unit.parent_id is None else unit)
        if not rate.invited:
            continue
        url = (
            reverse("research:questionnaire_results", args=[q.pk])
            if access.may_read_results(user)
            else ""
        )
        value = f"{rate.answered}/{rate.invited} ({rate.percent}%)"
        rows.append((q.title, value, url))
    return {"rows": rows}


PANELS = [
    {
        "slot": "research",
        "title": _("Research by department"),
        "template": "research/_panel_departments.html",
        "context": departments_context,
        "order": 10,
    },
    {
        "slot": "research",
        "title": _("Questionnaire response rates"),
        "template": "dashboard/_panel.html",
        "context": rates_context,
        "order": 20,
    },
]
