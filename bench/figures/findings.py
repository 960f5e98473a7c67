"""Findings figures: a city with 200,000 findings against the same city with 2,000.

findings_ledger: the ledger's first page for a county bureau (魏都分局), the whole view
(access filter, 50 rows with their relations, template) through the test client, as a ratio
to the same page when the city has 2,000 findings. Goal ≤ 2: it must not grow with the city.

findings_sweep: the overdue sweep when 100 findings have just passed their deadline (the same
work in both cities), as the same ratio: the sweep must read the due rows, not the city.
Each sweep run marks the 100 overdue, writes 100 transition rows and notifies the owner units
and their parents; the rows are reset between runs (outside the clock).
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from typing import Any

from django.db import connection

from bench.common import Bench, Figure

SMALL, LARGE = 2_000, 200_000
DUE = 100
_cache: dict[str, Any] = {}


def _build_city() -> dict[str, Any]:
    from django.core.management import call_command

    from zoufang.campaigns.services import campaign_create_from_template
    from zoufang.core.roles import Role
    from zoufang.findings.catalog import catalog_sync
    from zoufang.org.demo import build_demo_org
    from zoufang.org.models import Unit, User

    if Unit.objects.exists():
        call_command("flush", interactive=False, verbosity=0)
    campaign = campaign_create_from_template(start_date=dt.date(2026, 6, 21))
    org = build_demo_org(campaign=campaign, scale=1)
    catalog_sync()
    county = Unit.objects.get(code="411002")
    user = User.objects.create(username="bench-county", role=Role.COUNTY_ADMIN, unit=county)
    # Managers to notify, as in the demo: one per station and county bureau.
    User.objects.bulk_create(
        [User(username=f"bench-{u.code}", role=Role.STATION_CHIEF, unit=u) for u in org.stations]
        + [
            User(username=f"bench-{u.code}", role=Role.COUNTY_ADMIN, unit=u)
            for u in org.counties
            if u.pk != county.pk
        ]
    )
    return {"org": org, "user": user, "campaign": campaign, "made": 0, "rng": random.Random(7)}


def _add_findings(city: dict[str, Any], upto: int) -> None:
    """Bulk-insert findings until there are `upto`: spread over every beat and 30 days;
    70% settled, the open ones with deadlines still ahead or already marked overdue."""
    from zoufang.findings.models import OPEN_STATES, Finding, FindingKind, State

    rng: random.Random = city["rng"]
    org = city["org"]
    kinds = list(FindingKind.objects.all())
    stations = {s.pk: s for s in org.stations}
    now = dt.datetime.now(tz=dt.UTC)
    open_states = sorted(OPEN_STATES)
    field = Finding._meta.get_field("created_at")
    field.auto_now_add = False  # keep the spread-out creation times
    try:
        batch = []
        for i in range(city["made"], upto):
            beat = org.beats[i % len(org.beats)]
            kind = kinds[i % len(kinds)]
            created = now - dt.timedelta(minutes=rng.randint(0, 30 * 24 * 60))
            settled = rng.random() < 0.7
            state = State.CLOSED if settled else rng.choice(open_states)
            overdue = not settled and rng.random() < 0.3
            deadline = created + dt.timedelta(days=7)
            if not settled and not overdue and deadline < now + dt.timedelta(days=1):
                deadline = now + dt.timedelta(days=rng.randint(1, 7))
            station = stations[beat.parent_id]
            batch.append(
                Finding(
                    number=f"B{i:07d}",
                    campaign=city["campaign"],
                    kind=kind,
                    description=f"压测线索{i}",
                    source="visit",
                    beat=beat,
                    unit_path=beat.path,
                    grade="general",
                    owner_unit=station,
                    owner_path=station.path,
                    state=state,
                    sensitive=kind.sensitive,
                    deadline=deadline,
                    escalate_at=None if settled else deadline + dt.timedelta(days=30),
                    due_at=None if settled or overdue else deadline,
                    is_overdue=overdue,
                    was_overdue=overdue,
                    created_at=created,
                    triaged_at=created if settled else None,
                    resolved_at=created + dt.timedelta(days=2) if settled else None,
                    closed_at=created + dt.timedelta(days=3) if settled else None,
                    followup_satisfied=True if settled else None,
                )
            )
            if len(batch) == 5000:
                Finding.objects.bulk_create(batch)
                batch = []
        if batch:
            Finding.objects.bulk_create(batch)
    finally:
        field.auto_now_add = True
    city["made"] = upto
    with connection.cursor() as cur:
        cur.execute("ANALYZE")


def _ledger_seconds(bench: Bench, user: Any) -> float:
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings

    from zoufang.org.tests.otp import force_login_verified

    # The bench runs with DEBUG off and no collected static files: plain static storage.
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    override = override_settings(STORAGES=storages)
    override.enable()
    client = Client(HTTP_HOST="127.0.0.1")
    force_login_verified(client, user)

    def page() -> None:
        r = client.get("/findings/", secure=True)
        assert r.status_code == 200
        assert r.content.count(b"data-finding=") == 50

    try:
        return bench.median_seconds(page, repeat=25, warmup=3)
    finally:
        override.disable()


def _sweep_seconds(repeat: int = 5) -> float:
    from zoufang.findings.models import OPEN_STATES, Finding, FindingTransition
    from zoufang.findings.services.sweep import findings_sweep
    from zoufang.notifications.models import Notification

    now = dt.datetime.now(tz=dt.UTC)
    # The same 100 open findings (spread over the city) fall due before each run.
    ids = list(
        Finding.objects.filter(state__in=OPEN_STATES, is_overdue=False)
        .order_by("number")
        .values_list("pk", flat=True)[::3][:DUE]
    )
    assert len(ids) == DUE
    findings_sweep(now=now)  # anything that fell due while the city was built
    samples = []
    for _ in range(repeat):
        Finding.objects.filter(pk__in=ids).update(
            is_overdue=False,
            deadline=now - dt.timedelta(hours=1),
            due_at=now - dt.timedelta(hours=1),
        )
        FindingTransition.objects.filter(finding_id__in=ids, action="overdue").delete()
        Notification.objects.filter(kind="finding.overdue").delete()
        t0 = time.perf_counter()
        result = findings_sweep(now=now)
        samples.append(time.perf_counter() - t0)
        assert result.overdue == DUE, result
    later = now + dt.timedelta(days=3)
    Finding.objects.filter(pk__in=ids).update(is_overdue=False, deadline=later, due_at=later)
    return statistics.median(samples)


def _measure(bench: Bench) -> dict[str, float]:
    if "results" in _cache:
        return _cache["results"]
    city = _build_city()
    _add_findings(city, SMALL)
    small_ledger = _ledger_seconds(bench, city["user"])
    small_sweep = _sweep_seconds()
    t0 = time.perf_counter()
    _add_findings(city, LARGE)
    build = time.perf_counter() - t0
    large_ledger = _ledger_seconds(bench, city["user"])
    large_sweep = _sweep_seconds()
    _cache["results"] = {
        "small_ledger": small_ledger,
        "large_ledger": large_ledger,
        "small_sweep": small_sweep,
        "large_sweep": large_sweep,
        "build": build,
    }
    return _cache["results"]


LEDGER_BASELINE = f"the same county page with {SMALL:,} findings in the city"
SWEEP_BASELINE = f"the same sweep ({DUE} newly due) with {SMALL:,} findings in the city"


def _large_vs_small(r: dict, what: str, other: str, baseline: str, goal: str) -> Figure:
    """One figure of the two: `what` on the large city against the small one. Both come
    from one build of the two cities, so each shows the other's ratio too and
    `make bench ONLY=<either>` reports everything."""
    return Figure(
        ratio=r[f"large_{what}"] / r[f"small_{what}"],
        value=r[f"large_{what}"] * 1000,
        unit="ms",
        baseline=baseline,
        goal=goal,
        extra={
            f"ms with {SMALL:,}": round(r[f"small_{what}"] * 1000, 2),
            f"ms with {LARGE:,}": round(r[f"large_{what}"] * 1000, 2),
            "insert s": round(r["build"], 1),
            f"{other} ratio": round(r[f"large_{other}"] / r[f"small_{other}"], 2),
        },
    )


def findings_ledger(bench: Bench) -> Figure:
    return _large_vs_small(_measure(bench), "ledger", "sweep", LEDGER_BASELINE, "≤ 2")


def findings_sweep(bench: Bench) -> Figure:
    return _large_vs_small(
        _measure(bench), "sweep", "ledger", SWEEP_BASELINE, "≈ 1 (follows the due rows)"
    )


FIGURES = {"findings_ledger": findings_ledger, "findings_sweep": findings_sweep}
