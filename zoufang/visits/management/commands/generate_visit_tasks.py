"""`python manage.py generate_visit_tasks --unit CODE`: tasks for every beat under a unit."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zoufang.campaigns.models import Campaign
from zoufang.org.models import Unit
from zoufang.visits.services import tasks_generate


class Command(BaseCommand):
    help = (
        "Generate visit tasks (入户, 进店, 访企, 走村/社区) for every beat under a unit, from the "
        "registry, spread over each beat's teams. Safe to re-run: only new places get a task."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit", required=True, help="code of a beat, station, county or city")
        parser.add_argument("--campaign", help="campaign code (default: the current campaign)")

    def handle(self, *args: object, unit: str, campaign: str | None, **opts: object) -> None:
        root = Unit.objects.filter(code=unit).first()
        if root is None:
            raise CommandError(f"No unit with code {unit}.")
        camp = (
            Campaign.objects.filter(code=campaign).first()
            if campaign
            else Campaign.objects.current()
        )
        if camp is None:
            raise CommandError("No such campaign (and no current one).")
        beats = Unit.objects.in_subtree(root.path).filter(level=Unit.Level.BEAT).order_by("path")
        created = total = 0
        for beat in beats:
            result = tasks_generate(campaign=camp, beat=beat, actor=None)
            created += result.created
            total += result.total
        self.stdout.write(
            f"{root.name}: {beats.count()} beats, {created} new tasks, {total} tasks in all"
        )
