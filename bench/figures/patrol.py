"""Online patrol figures (PostgreSQL), on a city of PATROL_BENCH_VISITS visits (2,000,000 by
default; the issue's size).

patrol_full: the whole patrol (every rule, every index built from nothing) over the city, as a
ratio to one sequential scan of the visits table in the same run (a full-row aggregate,
`max(ended_at - started_at)`, median of three). Aim ≤ 10.

patrol_incremental: the run after 1 % new visits (and their members and photo hashes) arrive,
as a ratio to the full run. Goal ≤ 0.05.

The city: the organisation from the demo's fast builder (`build_demo_org`, scale
PATROL_BENCH_SCALE, default 4: 600 beats and teams), then places, tasks, visits and their
members written set-based in SQL (`generate_series`): one dwelling, task and visit per row,
nine in ten found someone in, daytime visits of 15–35 minutes, 40 minutes apart per team
(twelve a day), two members each; the 1 % added for the incremental run continue each team's
calendar on new slots from today (they once reused the old slots, a bench artefact that made
every new visit overlap an old one); 5 % carry a free-text answer (random text over a 16-character alphabet, so
honest texts share almost no shingles), a quarter have a stored photo hash (no file: the
patrol's `PhotoHash` rows, random 64-bit pHashes). Planted: 0.5 % two-minute visits, 0.2 %
at 02:00, 0.2 % texts copied in pairs, 0.05 % photo hashes copied in pairs, 0.2 % recorded 2 km away.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time
from typing import Any

from django.db import connection

from bench.common import Bench, Figure

VISITS = int(os.environ.get("PATROL_BENCH_VISITS", "2000000"))
SCALE = int(os.environ.get("PATROL_BENCH_SCALE", "4"))
_cache: dict[str, Any] = {}

PLACES_SQL = """
INSERT INTO registry_place (beat_id, unit_path, kind, shop_kind, enterprise_category,
    key_place_kind, address_code, name, road, house_number, building, entrance, room, address,
    latitude, longitude, is_active, created_at, updated_at)
SELECT t.beat_id, t.unit_path, 'dwelling', '', '', '', 'PB-' || g, '', '样本路', g::text, '',
    '', '', '样本路' || g || '号', 34.0 + (g %% 1000) * 0.0001, 113.8 + (g %% 997) * 0.0001,
    true, now(), now()
FROM generate_series(%(lo)s, %(hi)s) g
JOIN bench_team t ON t.n = g %% %(teams)s
"""
TASKS_SQL = """
INSERT INTO visits_visittask (campaign_id, beat_id, unit_path, kind, place_id, team_id, batch,
    address, sort_key, state, attempts, retry_off_hours, method, appointment_note,
    created_at, updated_at)
SELECT %(campaign)s, p.beat_id, p.unit_path, 'household', p.id, t.id, '', p.address, '',
    'visited', 1, false, 'normal', '', now(), now()
FROM registry_place p JOIN bench_team t ON t.beat_id = p.beat_id
WHERE p.address_code LIKE 'PB-%%' AND p.id > %(after)s
"""
VISITS_SQL = """
INSERT INTO visits_visit (task_id, campaign_id, beat_id, unit_path, kind, place_id, team_id,
    outcome, method, started_at, ended_at, latitude, longitude, form_version, answers, note,
    topic_count, leaflet_count, finding_count, created_at, client_uuid, payload_hash,
    registry_state, registry_answers, registry_error)
SELECT k.id, k.campaign_id, k.beat_id, k.unit_path, 'household', k.place_id, k.team_id,
    CASE WHEN r.o < 0.9 THEN 'visited' ELSE 'nobody_home' END, 'normal',
    r.start, r.start + CASE WHEN r.d < 0.005 THEN interval '2 minutes'
        ELSE interval '15 minutes' + r.d * interval '20 minutes' END,
    CASE WHEN r.g < 0.3 THEN p.latitude + CASE WHEN r.g < 0.002 THEN 0.018 ELSE 0 END END,
    CASE WHEN r.g < 0.3 THEN p.longitude END,
    1,
    CASE WHEN k.id %% 1000 IN (1, 2) THEN jsonb_build_object('neighbour_dispute',
            translate(md5('copy' || (k.id / 1000)::text) || md5('more' || (k.id / 1000)::text),
                      '0123456789abcdef', '甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳'))
         WHEN r.x < 0.05 THEN jsonb_build_object('neighbour_dispute',
            translate(md5(k.id::text) || md5((k.id * 7)::text), '0123456789abcdef',
                      '甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳'))
         ELSE '{"satisfaction": "满意"}'::jsonb END,
    '', 6, 2, CASE WHEN r.f < 0.03 THEN 1 ELSE 0 END, now(), gen_random_uuid(),
    md5(k.id::text), '', '', ''
FROM (SELECT k.*, %(seq0)s + row_number() OVER (PARTITION BY k.team_id ORDER BY k.id) - 1
      AS seq FROM visits_visittask k WHERE k.id > %(after)s AND k.campaign_id = %(campaign)s) k
JOIN registry_place p ON p.id = k.place_id
JOIN bench_team t ON t.id = k.team_id
CROSS JOIN LATERAL (SELECT random() AS o, random() AS d, random() AS g, random() AS x,
    random() AS f, k.seq) s
CROSS JOIN LATERAL (SELECT s.o, s.d, s.g, s.x, s.f,
    date_trunc('day', %(base)s::timestamptz) + (s.seq / 12) * interval '1 day'
        + CASE WHEN s.d > 0.998 THEN interval '-6 hours'
          ELSE interval '1 hour' + (s.seq %% 12) * interval '40 minutes' END AS start) r
"""
MEMBERS_SQL = """
INSERT INTO visits_visitmember (visit_id, personnel_id, unit_path, campaign_id, outcome)
SELECT v.id, m.personnel_id, v.unit_path, v.campaign_id, v.outcome
FROM visits_visit v JOIN bench_member m ON m.team_id = v.team_id AND m.rank <= 2
WHERE v.id > %(after)s
"""
PHOTOS_SQL = """
INSERT INTO patrol_photohash (photo_id, visit_id, campaign_id, task_id, sha256, phash)
SELECT NULL, v.id, v.campaign_id, v.task_id,
    md5(c.seed) || md5(c.seed || '+'),
    ('x' || substr(md5(c.seed), 1, 16))::bit(64)::bigint
FROM visits_visit v
CROSS JOIN LATERAL (SELECT CASE WHEN v.id %% 2000 IN (1, 5) THEN 'copy' || (v.id / 2000)
    ELSE v.id::text END AS seed) c
WHERE v.id > %(after)s AND v.id %% 4 = 1
"""


def _sql(statement: str, **params: Any) -> int:
    with connection.cursor() as cur:
        cur.execute(statement, params)
        return cur.rowcount


def _build() -> dict[str, Any]:
    from django.core.management import call_command

    from zoufang.campaigns.services import campaign_create_from_template
    from zoufang.org.demo import build_demo_org
    from zoufang.org.models import Unit

    if Unit.objects.exists():
        call_command("flush", interactive=False, verbosity=0)
    today = dt.date.today()  # noqa: DTZ011 - the bench's calendar
    campaign = campaign_create_from_template(start_date=today - dt.timedelta(days=10))
    org = build_demo_org(campaign=campaign, scale=SCALE)
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TABLE bench_team AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, "
            "beat_id, unit_path FROM org_team WHERE campaign_id = %s",
            [campaign.pk],
        )
        cur.execute(
            "CREATE TABLE bench_member AS SELECT team_id, personnel_id, row_number() OVER "
            "(PARTITION BY team_id ORDER BY personnel_id) AS rank FROM org_teammember"
        )
    teams = len(org.teams)
    city = {"campaign": campaign, "teams": teams, "made": 0}
    _grow(city, VISITS)
    return city


def _grow(city: dict[str, Any], upto: int) -> None:
    """Add places, tasks, visits, members and photo hashes up to `upto` visits. Each team's
    visits follow on from its earlier ones (the next rounds of twelve a day, after the last
    old visit): new work lies on new time slots, from today on, as it does in a campaign."""
    from django.db.models import Max

    from zoufang.visits.models import Visit, VisitTask

    campaign, teams = city["campaign"], city["teams"]
    if "base" not in city:
        days = max(1, upto // teams // 12 + 1)
        city["base"] = dt.datetime.now(tz=dt.UTC) - dt.timedelta(days=days)
        city["rounds"] = 0
    after_task = VisitTask.objects.aggregate(m=Max("pk"))["m"] or 0
    after_visit = Visit.objects.aggregate(m=Max("pk"))["m"] or 0
    last_place = _max_place()
    _sql(PLACES_SQL, lo=city["made"] + 1, hi=upto, teams=teams)
    _sql(TASKS_SQL, campaign=campaign.pk, after=last_place)
    params = {"campaign": campaign.pk, "after": after_task}
    _sql(VISITS_SQL, base=city["base"], seq0=city["rounds"], **params)
    _sql(MEMBERS_SQL, after=after_visit)
    _sql(PHOTOS_SQL, after=after_visit)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT max(n) FROM (SELECT count(*) AS n FROM visits_visittask WHERE id > %s "
            "GROUP BY team_id) c",
            [after_task],
        )
        city["rounds"] += cur.fetchone()[0] or 0
    city["made"] = upto
    with connection.cursor() as cur:
        cur.execute("ANALYZE")


def _max_place() -> int:
    from django.db.models import Max

    from zoufang.registry.models import Place

    return Place.objects.aggregate(m=Max("pk"))["m"] or 0


def _scan_seconds() -> float:
    samples = []
    for _ in range(3):
        t0 = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute("SELECT max(ended_at - started_at) FROM visits_visit")
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def _patrol_seconds(campaign: Any) -> tuple[float, Any]:
    from zoufang.patrol.services.run import patrol_run

    t0 = time.perf_counter()
    run = patrol_run(campaign=campaign)
    return time.perf_counter() - t0, run


def _measure() -> dict[str, Any]:
    if "full" in _cache:
        return _cache
    if connection.vendor != "postgresql":
        raise RuntimeError("the patrol figures run on PostgreSQL (set DATABASE_URL)")
    t0 = time.perf_counter()
    city = _build()
    _cache["build"] = time.perf_counter() - t0
    _cache["scan"] = _scan_seconds()
    _cache["full"], run = _patrol_seconds(city["campaign"])
    _cache["full_counts"] = run.counts
    _grow(city, VISITS + VISITS // 100)
    _cache["incremental"], run = _patrol_seconds(city["campaign"])
    _cache["incremental_counts"] = run.counts
    return _cache


def patrol_full(bench: Bench) -> Figure:
    m = _measure()
    return Figure(
        ratio=m["full"] / m["scan"],
        value=m["full"],
        unit="s",
        baseline=f"one sequential scan of {VISITS:,} visits ({m['scan']:.2f} s)",
        goal="≤ 10",
        extra={
            "visits": VISITS,
            "build seconds": round(m["build"]),
            "new flags per rule": m["full_counts"],
        },
    )


def patrol_incremental(bench: Bench) -> Figure:
    m = _measure()
    return Figure(
        ratio=m["incremental"] / m["full"],
        value=m["incremental"],
        unit="s",
        baseline=f"the full patrol ({m['full']:.1f} s)",
        goal="≤ 0.05",
        extra={"new visits": VISITS // 100, "new flags per rule": m["incremental_counts"]},
    )


FIGURES = {"patrol_full": patrol_full, "patrol_incremental": patrol_incremental}
