"""`python manage.py apply_visit_registry [--minutes N]`: registry updates still pending."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandParser

from zoufang.visits.models import RegistryState, Visit
from zoufang.visits.services import visit_registry_sweep


class Command(BaseCommand):
    help = (
        "Apply to the registry what visits learnt when their update never ran (the queue lost "
        "the message or no worker was running). Each visit is applied once: safe to re-run, "
        "and safe while workers are running."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--minutes",
            type=int,
            default=0,
            help="only visits recorded at least this many minutes ago (default: all)",
        )

    def handle(self, *args: object, minutes: int, **opts: object) -> None:
        applied = visit_registry_sweep(older_than=dt.timedelta(minutes=minutes))
        pending = Visit.objects.filter(registry_state=RegistryState.PENDING).count()
        failed = Visit.objects.filter(registry_state=RegistryState.FAILED).count()
        self.stdout.write(
            f"{applied} visit(s) applied to the registry; {pending} still pending; "
            f"{failed} refused by the registry (see the visit's registry refusal)."
        )
