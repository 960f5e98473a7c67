"""What the offline app keeps on a team member's phone (zoufang.offline.registry): today's
list and the visit form of each task on it, so visits can be recorded without signal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from zoufang.campaigns.models import Campaign
from zoufang.visits import selectors

if TYPE_CHECKING:
    from zoufang.org.models import User

OFFLINE_STATIC = ["visits/visits.css", "visits/record.js"]


def offline_pages(user: User) -> list[str]:
    team = selectors.user_team(user, Campaign.objects.current())
    if team is None:
        return []
    # Forms for the first tasks of the day, in the list's order (the registry trims the
    # whole list to OFFLINE_MAX_PAGES).
    limit = int(getattr(settings, "OFFLINE_MAX_PAGES", 80))
    tasks = selectors.today_tasks(team, day=timezone.localdate()).values_list("pk", flat=True)
    return [reverse("visits:today")] + [reverse("visits:record", args=[pk]) for pk in tasks[:limit]]
