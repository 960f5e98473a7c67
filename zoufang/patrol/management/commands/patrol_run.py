"""Run the online patrol once over the current campaign (what celery beat does periodically)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from zoufang.campaigns.models import Campaign
from zoufang.patrol.services.run import patrol_run


class Command(BaseCommand):
    help = "Run every enabled patrol rule over what is new since its last run (safe to re-run)."

    def handle(self, *args: object, **opts: Any) -> None:
        campaign = Campaign.objects.current()
        if campaign is None:
            raise CommandError("No current campaign.")
        run = patrol_run(campaign=campaign)
        self.stdout.write(
            f"patrol: {run.new_flags} new flags; "
            + ", ".join(f"{k} {v}" for k, v in run.counts.items())
        )
