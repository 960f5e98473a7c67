"""Precision and recall of each patrol rule on the labelled set."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from zoufang.campaigns.models import Campaign
from zoufang.org.models import Unit
from zoufang.patrol.labelled import build_labelled_set
from zoufang.patrol.models import Flag
from zoufang.patrol.report import labelled_table
from zoufang.patrol.services.run import patrol_run
from zoufang.visits.models import Visit


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Plant the patrol's labelled set in the current campaign, run the patrol, print "
        "precision and recall per rule, and roll everything back (nothing is kept)."
    )

    def handle(self, *args: object, **opts: Any) -> None:
        campaign = Campaign.objects.current()
        city = Unit.objects.filter(level=Unit.Level.CITY).first()
        if campaign is None or city is None:
            raise CommandError("No current campaign or city: run `manage.py seed_demo` first.")
        try:
            with transaction.atomic():
                self._report(campaign, city)
                raise Rollback
        except Rollback:
            pass

    def _report(self, campaign: Campaign, city: Unit) -> None:
        from django.db.models import Max

        # A fresh county code, so a demo that already holds the set gets a second one.
        code_max = Unit.objects.filter(level=Unit.Level.COUNTY).aggregate(m=Max("code"))["m"]
        labelled = build_labelled_set(campaign, city, county_code=str(int(code_max) + 1))
        patrol_run(campaign=campaign)
        flags = Flag.objects.in_subtree(labelled.county.path).select_related("rule")
        # Pairs with a visit outside the set (a demo that already holds a copy of the set)
        # are about that other copy, not this set.
        mine = set(Visit.objects.in_subtree(labelled.county.path).values_list("pk", flat=True))
        flags = [f for f in flags if f.other_visit_id is None or f.other_visit_id in mine]
        rows = labelled_table(labelled, flags)
        self.stdout.write(
            f"{'rule':15} {'cases':>5} {'TP':>3} {'FP':>3} {'FN':>3} precision recall"
        )
        for r in rows:
            self.stdout.write(
                f"{r.kind:15} {r.cases:5} {r.tp:3} {r.fp:3} {r.fn:3} {r.precision:9.2f} {r.recall:6.2f}"
            )
        self.stdout.write(f"{len(labelled.expects)} labelled cases (rolled back)")
