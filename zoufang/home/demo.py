"""The demo city, step by step: each app builds its own part (its `demo.build(ctx)`), in the
order of `STEPS`; `seed_demo` runs them and then issues the demo logins.

Scale: `--scale N` builds N × 150 beats (30 stations of 5 beats per 1×); the Xuchang-sized city
is scale 20 (3,000 beats). Households per beat do not grow with the scale: a beat holds
200–1,000 households (communities more than villages), except in the small demo (scale 1, the
`make demo` city) whose beats hold 200 each unless `--households-per-beat` says otherwise.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.module_loading import import_string

# (app label, its demo builder), in dependency order: the organisation needs the campaign
# (teams belong to it), visit tasks need the registry's places and the teams; findings come
# after the visits (the visits step raises its spot findings on them, making the findings
# catalogue first), so the ledger's numbers follow the order things happened.
STEPS = [
    ("campaigns", "zoufang.home.demo.build_campaign"),
    ("org", "zoufang.org.demo.build"),
    ("knowledge", "zoufang.knowledge.demo.build"),
    ("registry", "zoufang.registry.demo.build"),
    ("visits", "zoufang.visits.demo.build"),
    ("findings", "zoufang.findings.demo.build"),
    ("supervision", "zoufang.supervision.demo.build"),
    ("patrol", "zoufang.patrol.demo.build"),
    ("outreach", "zoufang.outreach.demo.build"),
    # Last: boundaries for every unit, positions for the addresses, visits and findings.
    ("dashboard", "zoufang.dashboard.demo.build"),
]
# Steps that need the demo logins (seed_demo runs them once it has issued them): visits
# recorded through the service by `officer` and `chief`, whose alerts and referrals reach them.
AFTER_LOGINS = [
    ("visits", "zoufang.visits.demo_links.build"),
    ("offline", "zoufang.offline.demo.build"),
    ("dashboard", "zoufang.dashboard.demo.build"),  # positions for the visits just recorded
    # Research: topics and reports written by the researcher and the office logins.
    ("research", "zoufang.research.demo.build"),
]
# Steps that read the figures (seed_demo runs them once it has recounted the rollups).
AFTER_ROLLUPS = [("dashboard", "zoufang.dashboard.demo.build_summaries")]
BEATS_PER_SCALE = 150
SMALL_DEMO_HOUSEHOLDS = 200
DEMO_DAY = 11  # the demo's today is day 11 of the campaign: the concentrated visiting phase


@dataclass
class DemoContext:
    """What every app's demo builder gets: the scale, the sizes, what was built so far."""

    stdout: Any
    scale: int = 1
    # None: realistic (200–1,000 a beat); a number: every beat holds that many.
    households_per_beat: int | None = None
    campaign_day: int = DEMO_DAY
    # The set-based COPY builders (PostgreSQL); the ORM builders otherwise.
    bulk_sql: bool = False
    campaign: Any = None
    org: Any = None
    built: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # wall seconds per step

    def say(self, text: str) -> None:
        if self.stdout is not None:
            self.stdout.write(text)


def context(
    *,
    stdout: Any,
    scale: int = 1,
    households_per_beat: int | None = None,
    realistic: bool = False,
    campaign_day: int = DEMO_DAY,
    bulk_sql: bool | None = None,
) -> DemoContext:
    """A context with the documented defaults: the small demo at scale 1 (unless `realistic`),
    the COPY builders on PostgreSQL."""
    if households_per_beat is None and scale == 1 and not realistic:
        households_per_beat = SMALL_DEMO_HOUSEHOLDS
    if bulk_sql is None:
        bulk_sql = connection.vendor == "postgresql"
    return DemoContext(
        stdout=stdout,
        scale=scale,
        households_per_beat=households_per_beat,
        campaign_day=campaign_day,
        bulk_sql=bulk_sql,
    )


def build_campaign(ctx: DemoContext) -> None:
    from zoufang.campaigns.services import campaign_create_from_template

    today = timezone.localdate()
    ctx.campaign = campaign_create_from_template(
        start_date=today - dt.timedelta(days=ctx.campaign_day - 1)
    )
    c = ctx.campaign
    ctx.say(f"campaign: {c.name} {c.start_date} – {c.end_date}")


def run_steps(ctx: DemoContext, steps: list[tuple[str, str]] | None = None) -> DemoContext:
    """Run every installed app's demo builder in order."""
    from django.apps import apps

    for app_label, dotted in steps or STEPS:
        if apps.is_installed(f"zoufang.{app_label}"):
            started = time.perf_counter()
            import_string(dotted)(ctx)
            ctx.seconds[app_label] = round(time.perf_counter() - started, 1)
    return ctx
