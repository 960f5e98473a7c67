"""The command dashboard, the coverage page and the daily report at scale (issue 13).

- coverage_city: the leader's city coverage page on `seed_demo --scale N` (COVERAGE_BENCH_SCALE,
  5) as a ratio to the same page on the demo city (`--scale 1`); goal ≤ 2 and < 300 ms.
- dashboard_city / dashboard_county: the dashboard's server time (Django test client, the
  whole view and template) on a city of DASHBOARD_BENCH_VISITS visits (2,000,000) and
  DASHBOARD_BENCH_FINDINGS findings (100,000) as a ratio to the same page on a city of
  DASHBOARD_BENCH_SMALL visits (20,000) and a fiftieth of the findings; goal ≤ 2. The visits,
  tasks and findings are written by set-based SQL onto the demo organisation (scale 1, 150
  beats), then the rollups are counted once (`rebuild_rollups`) — the pages then read only
  the rollups.
- daily_report: seconds to generate the city's report (figures, HTML, PDF with its charts,
  xlsx) on that big city; goal < 10 s.

PostgreSQL only (the SQL builder uses generate_series):
DATABASE_URL=postgres://…/postgres BENCH_DB=x_bench .venv/bin/python bench/run.py --only NAME
"""

from __future__ import annotations

import datetime as dt
import os
import time
from typing import Any

from django.db import connection
from django.test.utils import override_settings

from bench.common import Bench, Figure

BIG_VISITS = int(os.environ.get("DASHBOARD_BENCH_VISITS", "2000000"))
BIG_FINDINGS = int(os.environ.get("DASHBOARD_BENCH_FINDINGS", "100000"))
SMALL_VISITS = int(os.environ.get("DASHBOARD_BENCH_SMALL", "20000"))
COVERAGE_SCALE = int(os.environ.get("COVERAGE_BENCH_SCALE", "5"))
PLAIN_STATIC = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def _fresh_org() -> Any:
    from django.core.management import call_command
    from django.utils import timezone

    from zoufang.campaigns.services import campaign_create_from_template
    from zoufang.findings.catalog import catalog_sync
    from zoufang.org.demo import build_demo_org

    call_command("flush", interactive=False, verbosity=0)
    from zoufang.campaigns.services import departments_sync

    campaign = campaign_create_from_template(
        start_date=timezone.localdate() - dt.timedelta(days=10)
    )
    build_demo_org(campaign=campaign, scale=1)
    departments_sync()
    catalog_sync()
    return campaign


_TASKS = """
WITH beats AS (SELECT array_agg(id ORDER BY id) AS ids, array_agg(path ORDER BY id) AS paths
                 FROM org_unit WHERE level = 4)
INSERT INTO visits_visittask (campaign_id, beat_id, unit_path, kind, team_id, batch, address,
    sort_key, state, attempts, retry_off_hours, method, appointment_note, created_at, updated_at)
SELECT %(campaign)s, b.id, b.path,
       (ARRAY['household','household','household','shop','enterprise'])[1 + g %% 5],
       NULL, 'b' || (g %% 50), 'addr ' || g, lpad(g::text, 9, '0'),
       CASE WHEN g %% 10 < 6 THEN 'visited' WHEN g %% 10 < 8 THEN 'retry' ELSE 'pending' END,
       1, false, 'normal', '', now(), now()
  FROM generate_series(1, %(tasks)s) AS g,
       LATERAL (SELECT a.ids[1 + g %% %(beats)s] AS id, a.paths[1 + g %% %(beats)s] AS path
                  FROM beats a) b
"""

_VISITS = """
INSERT INTO visits_visit (task_id, campaign_id, beat_id, unit_path, kind, outcome, method,
    started_at, ended_at, form_version, answers, note, topic_count, leaflet_count, finding_count,
    created_at, client_uuid, payload_hash, registry_state, registry_answers, registry_error)
SELECT t.id, t.campaign_id, t.beat_id, t.unit_path, t.kind,
       CASE WHEN s.n = 1 AND t.state = 'visited' THEN 'visited' ELSE 'nobody_home' END,
       'normal',
       now() - ((t.id %% 10) || ' days')::interval - (s.n || ' hours')::interval,
       now() - ((t.id %% 10) || ' days')::interval - (s.n || ' hours')::interval
             + interval '15 minutes',
       1, '{}'::jsonb, '', CASE WHEN s.n = 1 THEN 6 ELSE 0 END, CASE WHEN s.n = 1 THEN 2 ELSE 0 END,
       0, now(), gen_random_uuid(), 'bench', '', '', ''
  FROM visits_visittask t, generate_series(1, 2) AS s(n)
 WHERE t.campaign_id = %(campaign)s
"""

_FINDINGS = """
WITH beats AS (SELECT array_agg(id ORDER BY id) AS ids, array_agg(path ORDER BY id) AS paths,
                      (SELECT array_agg(id ORDER BY id) FROM findings_findingkind
                        WHERE parent_id IS NOT NULL) AS kinds
                 FROM org_unit WHERE level = 4)
INSERT INTO findings_finding (number, campaign_id, kind_id, description, source, beat_id,
    unit_path, place_text, reporter_name, reporter_phone, resident_name, resident_phone, grade,
    owner_unit_id, owner_path, co_handlers, transfer_path, state_before_transfer, state,
    sensitive, deadline, is_overdue, was_overdue, escalation_count, supervised, resolution,
    report_count, payload_hash, version, created_at, updated_at, closed_at)
SELECT 'B' || g, %(campaign)s, k.id, 'bench', 'visit', b.id, b.path, '', '', '', '', '',
       (ARRAY['general','general','serious','major'])[1 + g %% 4], b.id, b.path, '', '', '',
       CASE WHEN g %% 3 = 0 THEN 'closed' WHEN g %% 3 = 1 THEN 'in_progress' ELSE 'raised' END,
       false, now() + interval '3 days', g %% 7 = 1, g %% 7 = 1, 0, g %% 11 = 0, '', 1, '', 1,
       now() - ((g %% 10) || ' days')::interval, now(),
       CASE WHEN g %% 3 = 0 THEN now() - ((g %% 10) || ' days')::interval
                                  + ((g %% 90) || ' hours')::interval END
  FROM generate_series(1, %(findings)s) AS g,
       LATERAL (SELECT a.ids[1 + g %% %(beats)s] AS id, a.paths[1 + g %% %(beats)s] AS path
                  FROM beats a) b,
       LATERAL (SELECT a.kinds[1 + g %% array_length(a.kinds, 1)] AS id FROM beats a) k
"""


def _city(visits: int, findings: int) -> dict[str, Any]:
    """A city with `visits` visits (two per task: a first call and a retry) and `findings`
    findings, its rollups counted. Returns sizes and the build time."""
    from django.core.management import call_command

    from zoufang.org.models import Unit

    if connection.vendor != "postgresql":
        raise SystemExit("the dashboard figures need PostgreSQL (generate_series)")
    t0 = time.perf_counter()
    campaign = _fresh_org()
    beats = Unit.objects.filter(level=Unit.Level.BEAT).count()
    params = {"campaign": campaign.pk, "beats": beats, "tasks": visits // 2, "findings": findings}
    with connection.cursor() as cur:
        cur.execute(_TASKS, params)
        cur.execute(_VISITS, params)
        cur.execute(_FINDINGS, params)
        cur.execute("ANALYZE")
    call_command("rebuild_rollups", stdout=open(os.devnull, "w"))  # noqa: SIM115
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return {"campaign": campaign, "seconds": round(time.perf_counter() - t0, 1)}


def _users() -> tuple[Any, Any, Any]:
    from zoufang.core.roles import Role
    from zoufang.org.models import Unit, User

    county = Unit.objects.get(code="411002")
    leader, _ = User.objects.get_or_create(username="bench-leader", defaults={"role": Role.LEADER})
    admin, _ = User.objects.get_or_create(
        username="bench-county", defaults={"role": Role.COUNTY_ADMIN, "unit": county}
    )
    return leader, admin, county


def _page_seconds(bench: Bench, user: Any, path: str, params: dict | None = None) -> float:
    from django.conf import settings
    from django.test import Client

    from zoufang.org.tests.otp import force_login_verified

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    force_login_verified(client, user)

    def get() -> None:
        r = client.get(path, params or {})
        assert r.status_code == 200, r.status_code

    # No collectstatic in the bench: plain static storage (the page's time, not the manifest's).
    with override_settings(STORAGES=PLAIN_STATIC):
        return bench.median_seconds(get, repeat=15, warmup=3)


def _dashboard_pair(bench: Bench, which: str) -> Figure:
    from zoufang.visits.models import Visit

    small = _city(SMALL_VISITS, max(100, BIG_FINDINGS // 50))
    leader, admin, _county = _users()
    user = leader if which == "city" else admin
    small_s = _page_seconds(bench, user, "/")
    big = _city(BIG_VISITS, BIG_FINDINGS)
    leader, admin, _county = _users()
    user = leader if which == "city" else admin
    big_s = _page_seconds(bench, user, "/")
    return Figure(
        ratio=big_s / small_s,
        value=big_s * 1000,
        unit="ms",
        baseline=f"the same page on a city of {SMALL_VISITS:,} visits ({small_s * 1000:.1f} ms)",
        goal="≤ 2",
        extra={
            "visits": Visit.objects.count(),
            "findings": BIG_FINDINGS,
            "build seconds (small, big)": f"{small['seconds']}, {big['seconds']}",
            "note": "sizes from DASHBOARD_BENCH_VISITS / _FINDINGS / _SMALL",
        },
    )


def dashboard_city(bench: Bench) -> Figure:
    return _dashboard_pair(bench, "city")


def dashboard_county(bench: Bench) -> Figure:
    return _dashboard_pair(bench, "county")


def daily_report(bench: Bench) -> Figure:
    from zoufang.dashboard.reportfiles import report_pdf, report_xlsx
    from zoufang.dashboard.reports import report_create
    from zoufang.org.models import Unit

    built = _city(BIG_VISITS, BIG_FINDINGS)
    leader, _admin, _county = _users()
    city = Unit.objects.get(level=Unit.Level.CITY)
    from django.template.loader import render_to_string
    from django.utils import timezone

    from zoufang.dashboard.reportfiles import report_context

    def generate() -> None:
        today = timezone.localdate()
        report = report_create(
            actor=leader, unit=city, campaign=built["campaign"], date_from=today, date_to=today
        )
        render_to_string("dashboard/report_detail.html", report_context(report))
        report_pdf(report)
        report_xlsx(report)

    from zoufang.dashboard import printing

    with override_settings(STORAGES=PLAIN_STATIC):
        # The first report of a process launches its chromium (kept for the next ones,
        # zoufang/dashboard/printing.py): timed apart, then the median of three warm ones.
        printing._printer.stop()
        started = time.perf_counter()
        generate()
        cold = time.perf_counter() - started
        seconds = bench.median_seconds(generate, repeat=3, warmup=0)
    return Figure(
        ratio=seconds,
        value=seconds,
        unit="s",
        baseline="seconds (figures + HTML + PDF with charts + xlsx), chromium already running",
        goal="< 10 s",
        extra={
            "visits": BIG_VISITS,
            "findings": BIG_FINDINGS,
            "build seconds": built["seconds"],
            "first report of a process (launches chromium) s": round(cold, 2),
        },
    )


def coverage_city(bench: Bench) -> Figure:
    from django.core.management import call_command

    from zoufang.org.models import Unit

    def seeded(scale: int) -> float:
        t0 = time.perf_counter()
        call_command("seed_demo", "--reset", "--scale", str(scale), "--quiet")
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        return time.perf_counter() - t0

    seeded(1)
    leader, _a, _c = _users()
    small = _page_seconds(bench, leader, "/visits/coverage/")
    build = seeded(COVERAGE_SCALE)
    leader, _a, _c = _users()
    big = _page_seconds(bench, leader, "/visits/coverage/")
    return Figure(
        ratio=big / small,
        value=big * 1000,
        unit="ms",
        baseline=f"the same page on the demo city, --scale 1 ({small * 1000:.1f} ms)",
        goal="≤ 2 and < 300 ms",
        extra={
            "scale": COVERAGE_SCALE,
            "beats": Unit.objects.filter(level=Unit.Level.BEAT).count(),
            "seed seconds": round(build, 1),
        },
    )


FIGURES = {
    "coverage_city": coverage_city,
    "dashboard_city": dashboard_city,
    "dashboard_county": dashboard_county,
    "daily_report": daily_report,
}
