"""manage.py rebuild_rollups [--campaign ID]: recount every rollup from the raw records."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from zoufang.findings.rollups import rollups_rebuild as findings_rebuild
from zoufang.visits.rollups import rollups_rebuild as visits_rebuild


class Command(BaseCommand):
    help = (
        "Recompute the dashboard's rollups (tasks, visits, compliance, findings) from the raw "
        "records. Safe to re-run and to run while visits are submitted (see "
        "docs/decisions/0011-rollups.md)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--campaign", type=int, help="only this campaign's rows")

    def handle(self, *args: Any, **options: Any) -> None:
        visits = visits_rebuild(campaign_id=options.get("campaign"))
        findings = findings_rebuild(campaign_id=options.get("campaign"))
        parts = ", ".join(f"{k} {v}" for k, v in {**visits, **findings}.items())
        self.stdout.write(f"rollups rebuilt: {parts} rows")
