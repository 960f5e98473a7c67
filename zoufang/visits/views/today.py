"""A team member's list for today."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from zoufang.campaigns.models import Campaign
from zoufang.visits import selectors


@login_required
def today(request: HttpRequest) -> HttpResponse:
    """A team member's list for today: appointments first by time, then by address."""
    campaign = Campaign.objects.current()
    team = selectors.user_team(request.user, campaign)
    if team is None:
        return redirect("visits:coverage")
    day = timezone.localdate()
    tasks = list(selectors.today_tasks(team, day=day)[:300])
    return render(
        request,
        "visits/today.html",
        {
            "team": team,
            "day": day,
            "tasks": tasks,
            "later": selectors.later_appointments(team, day=day)[:20],
            "open_count": selectors.today_tasks(team, day=day).count(),
        },
    )
