"""visit_submit: 200 simulated officers submitting visits through the API (locust, headless)
against the app served by gunicorn, compared with a trivial authenticated endpoint (GET
/api/v1/me) on the same server in the same run. Afterwards the visits in the database must
equal the acknowledged submissions exactly (a 201 is sent only after the commit; 5% of
submissions are resent with the same UUID and must come back 200 with the same visit).

The two phases alternate (since 2026-12-01): VISIT_BENCH_ROUNDS rounds (default 3) of
VISIT_BENCH_SECONDS each (default 20) of /me, then of submissions, so that a change in the
shared machine's speed during the run (other engineers' work, the virtual machine's
neighbours) weighs on both alike; before, one 30 s phase of each, and the ratio of the same
code moved between 0.44 and 0.62 from run to run. Throughput is the requests of all rounds
over their measured time (locust's, after every user has started); the latency percentiles
are exact, over every request of all rounds.

The registry update a visit carries runs after its commit in a Celery task: the bench starts
a real worker on Redis (VISIT_BENCH_REDIS, default redis://127.0.0.1:6379/13) for the whole
run, reports the worker's backlog when each round's load stops, waits for it to drain before
the next round (so that no /me round shares the machine with registry updates), and checks
that every acknowledged visit's registry update was applied exactly once. Without Redis the tasks
run eagerly inside the request (said so in the figure). The worker runs at the lowest CPU
priority (nice 19, VISIT_BENCH_WORKER_NICE; since 2026-12-01): it is background work, and on
the two shared cores it takes what the server leaves instead of competing with it — so most
of the registry backlog is applied after the load stops (reported, and drained before the
checks). Its database sessions are not niced.

Run on PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/x make bench ONLY=visit_submit
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.db.models import Count

from bench.common import Bench, Figure

ROOT = Path(__file__).resolve().parent.parent.parent
OUT = ROOT / ".bench" / "visit_submit"
OFFICERS = 200
BEATS = 20  # ten officers per beat's team
TASKS_PER_OFFICER = 80
RUN_SECONDS = int(os.environ.get("VISIT_BENCH_SECONDS", "20"))  # per round and phase
ROUNDS = int(os.environ.get("VISIT_BENCH_ROUNDS", "3"))
REPLAY_SHARE = 0.05
REDIS_URL = os.environ.get("VISIT_BENCH_REDIS", "redis://127.0.0.1:6379/13")
DRAIN_TIMEOUT = 900  # seconds the worker gets to finish the backlog after the load stops
# gunicorn for both phases alike (a fair comparison): one process per core, threads to
# overlap the database round trips of each request.
GUNICORN_WORKERS = int(os.environ.get("VISIT_BENCH_WORKERS", str(os.cpu_count() or 2)))
GUNICORN_THREADS = int(os.environ.get("VISIT_BENCH_THREADS", "4"))
WORKER_NICE = int(os.environ.get("VISIT_BENCH_WORKER_NICE", "19"))

LOCUSTFILE = r"""
import json, os, random, threading, uuid, datetime as dt
from locust import HttpUser, task, between, events

DATA = json.load(open(os.environ["VISIT_BENCH_DATA"]))
MODE = os.environ["VISIT_BENCH_MODE"]
REPLAY = float(os.environ.get("VISIT_BENCH_REPLAY", "0"))
_lock = threading.Lock()
_next = [0]
COUNTS = {"acked": 0, "replayed": 0, "replay_mismatch": 0, "refused": 0, "errors": 0}
LATENCIES = {}  # request name -> response times (ms) since the stats were reset


@events.request.add_listener
def _latency(name, response_time, **kw):
    LATENCIES.setdefault(name, []).append(response_time)


@events.reset_stats.add_listener
def _reset():
    LATENCIES.clear()  # as locust's own statistics: from when every user has started


def _officer():
    with _lock:
        i = _next[0] % len(DATA["officers"])
        _next[0] += 1
    return DATA["officers"][i]


class Officer(HttpUser):
    wait_time = between(0, 0)
    network_timeout = 120.0
    connection_timeout = 30.0

    def on_start(self):
        self.me = _officer()
        self.tasks_left = list(self.me["tasks"])
        self.client.headers["Authorization"] = "Bearer " + self.me["token"]

    @task
    def work(self):
        if MODE == "trivial":
            with self.client.get("/api/v1/me", name="me", catch_response=True) as r:
                if r.status_code != 200:
                    r.failure(str(r.status_code))
            return
        if not self.tasks_left:
            self.tasks_left = list(self.me["tasks"])  # all done: later posts are refused
        task_id = self.tasks_left.pop()
        end = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=2)
        body = {
            "client_uuid": str(uuid.uuid4()),
            "task_id": task_id,
            "outcome": "visited",
            "started_at": (end - dt.timedelta(minutes=random.randint(10, 30))).isoformat(),
            "ended_at": end.isoformat(),
            "members": self.me["members"],
            "answers": {"householder_name": random.choice(["王建国", "李秀英", "张伟", "刘洋"]),
                        "rented": random.choice(["yes", "no"]), "satisfaction": "满意"},
            "topics": ["traffic", "drugs", "criminal", "terrorism", "public-security", "civility"],
            "leaflets": {"civility": 1, "public-safety": 1},
        }
        with self.client.post("/api/v1/visits/", json=body, name="submit", catch_response=True) as r:
            if r.status_code == 201:
                first = r.json()["id"]
                with _lock:
                    COUNTS["acked"] += 1
                r.success()
            elif r.status_code == 422:
                with _lock:
                    COUNTS["refused"] += 1
                r.failure("422")
                return
            else:
                with _lock:
                    COUNTS["errors"] += 1
                r.failure(str(r.status_code))
                return
        if random.random() < REPLAY:
            with self.client.post("/api/v1/visits/", json=body, name="replay", catch_response=True) as r:
                ok = r.status_code == 200 and r.json()["id"] == first
                with _lock:
                    COUNTS["replayed" if ok else "replay_mismatch"] += 1
                if not ok:
                    r.failure(str(r.status_code))


@events.quitting.add_listener
def _write(environment, **kw):
    with open(os.environ["VISIT_BENCH_COUNTS"], "w") as fh:
        json.dump({"counts": COUNTS, "latencies": LATENCIES}, fh)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _setup() -> dict:
    """A station with 20 beats, a ten-member team each (200 officers with tokens), and
    TASKS_PER_OFFICER household tasks for each officer."""
    from django.core.management import call_command
    from django.db import connection

    from zoufang.campaigns.services import campaign_create_from_template
    from zoufang.core.roles import Role
    from zoufang.org.models import Personnel, Team, TeamMember, Unit, User
    from zoufang.org.services import api_token_create
    from zoufang.registry.models import Household, Place
    from zoufang.visits.models import VisitTask
    from zoufang.visits.services import tasks_generate

    call_command("flush", interactive=False, verbosity=0)
    from django.utils import timezone

    today = timezone.localdate()
    campaign = campaign_create_from_template(start_date=today - dt.timedelta(days=10))

    def unit(code: str, name: str, level: int, parent: Unit | None) -> Unit:
        return Unit.objects.create(
            code=code, name=name, level=level, parent=parent, path=Unit.build_path(parent, code)
        )

    city = unit("411000", "许昌市公安局", 1, None)
    county = unit("411002", "魏都分局", 2, city)
    station = unit("411002001", "西大街派出所", 3, county)
    rng = random.Random(7)
    officers = []
    per_team = OFFICERS // BEATS
    n = 0
    for b in range(1, BEATS + 1):
        beat = unit(f"411002001{b:03d}", f"压测社区{b}", 4, station)
        team = Team.objects.create(
            campaign=campaign, beat=beat, name=f"压测走访组{b}", unit_path=beat.path
        )
        people = []
        for _ in range(per_team):
            n += 1
            people.append(
                Personnel(
                    name=f"队员{n}",
                    kind="officer",
                    post="station",
                    police_number=f"{300000 + n:06d}",
                    unit=station,
                    deployed_to=beat,
                    year_joined=today.year - 6,
                    unit_path=beat.path,
                )
            )
        Personnel.objects.bulk_create(people)
        TeamMember.objects.bulk_create(
            TeamMember(team=team, personnel=p, campaign=campaign) for p in people
        )
        places = [
            Place(
                beat=beat,
                unit_path=beat.path,
                kind="dwelling",
                road="压测路",
                house_number=str(i // 20 + 1),
                room=str(100 + i % 20),
                address=f"压测路{i // 20 + 1}号{100 + i % 20}室",
                address_code=f"{beat.code}-{i}",
            )
            for i in range(per_team * TASKS_PER_OFFICER)
        ]
        Place.objects.bulk_create(places, batch_size=5000)
        Household.objects.bulk_create(
            (Household(place=p, unit_path=beat.path) for p in places), batch_size=5000
        )
        tasks_generate(campaign=campaign, beat=beat, actor=None)
        task_ids = list(
            VisitTask.objects.filter(beat=beat, kind="household")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        rng.shuffle(task_ids)
        member_ids = [p.pk for p in people]
        for k, person in enumerate(people):
            user = User.objects.create(
                username=f"bench-officer-{person.pk}",
                role=Role.TEAM_MEMBER,
                unit=beat,
                personnel=person,
            )
            _token, key = api_token_create(user=user, name="bench")
            officers.append(
                {
                    "token": key,
                    "members": member_ids[:3],
                    "tasks": task_ids[k::per_team],
                }
            )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return {"officers": officers}


def _redis():  # type: ignore[no-untyped-def]
    """The bench's Redis database, or None when Redis is not running."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        return None
    # Messages left by an interrupted earlier run would name visits of a flushed database.
    client.delete("celery", "unacked", "unacked_index")
    return client


def _server_env(broker: bool) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DEBUG": "false"}
    if broker:
        env["REDIS_URL"] = REDIS_URL
    else:
        env.pop("REDIS_URL", None)
    return env


def _lowest_priority() -> None:
    """In the worker's child process (a session of its own): nice it, and its scheduling
    group too. With autogroup scheduling Linux shares the CPU between sessions first and by
    nice only within one: a niced worker in the bench's session still ran whenever gunicorn
    and locust waited for PostgreSQL (a session of its own), taking the CPU PostgreSQL would
    have had. With its own group niced it gets only what every other session leaves."""
    os.nice(WORKER_NICE)
    with contextlib.suppress(OSError):  # no autogroup scheduling: the process nice is enough
        Path("/proc/self/autogroup").write_text(str(WORKER_NICE))


def _worker(broker: bool) -> subprocess.Popen | None:
    """One Celery worker process on the same machine, running during both phases at the
    lowest CPU priority (nice 19, for the process and its autogroup): the registry updates
    are background work, and on a machine shared with the server under test they should take
    only what the requests leave."""
    if not broker:
        return None
    return subprocess.Popen(  # noqa: S603 - our own venv's celery, fixed arguments
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "config",
            "worker",
            "--concurrency",
            "1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=_server_env(broker),
        start_new_session=True,
        preexec_fn=_lowest_priority,
        stdout=(OUT / "worker.log").open("w"),
        stderr=subprocess.STDOUT,
    )


def _gunicorn(port: int, broker: bool) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own venv's gunicorn, fixed arguments
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(GUNICORN_WORKERS),
            "--worker-class",
            "gthread",
            "--threads",
            str(GUNICORN_THREADS),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=_server_env(broker),
        stdout=(OUT / "gunicorn.log").open("w"),
        stderr=subprocess.STDOUT,
    )


def _wait_up(port: int) -> None:
    import urllib.request

    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start; see .bench/visit_submit/gunicorn.log")


def _locust(port: int, mode: str, data_path: Path, rnd: int) -> dict:
    prefix = OUT / f"{mode}-{rnd}"
    counts = OUT / f"{mode}-{rnd}-counts.json"
    env = {
        **os.environ,
        "VISIT_BENCH_DATA": str(data_path),
        "VISIT_BENCH_MODE": mode,
        "VISIT_BENCH_COUNTS": str(counts),
        "VISIT_BENCH_REPLAY": str(REPLAY_SHARE),
    }
    subprocess.run(  # noqa: S603 - our own venv's locust, fixed arguments
        [
            str(Path(sys.executable).with_name("locust")),
            "-f",
            str(OUT / "locustfile.py"),
            "--headless",
            "--users",
            str(OFFICERS),
            "--spawn-rate",
            "100",
            "--run-time",
            f"{RUN_SECONDS}s",
            "--host",
            f"http://127.0.0.1:{port}",
            "--csv",
            str(prefix),
            "--reset-stats",
            "--stop-timeout",
            "60",
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        cwd=OUT,
        env=env,
        check=False,
        stdout=(OUT / f"{mode}-{rnd}-locust.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    rows = {r["Name"]: r for r in csv.DictReader((OUT / f"{mode}-{rnd}_stats.csv").open())}
    name = "me" if mode == "trivial" else "submit"
    row = rows[name]
    written = json.loads(counts.read_text()) if counts.exists() else {}
    return {
        "rps": float(row["Requests/s"]),
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "latencies": written.get("latencies", {}).get(name, []),
        "counts": written.get("counts", {}),
    }


def _combine(phases: list[dict]) -> dict:
    """One phase's rounds together: requests over measured time, exact percentiles."""
    requests = sum(p["requests"] for p in phases)
    seconds = sum(p["requests"] / p["rps"] for p in phases if p["rps"])
    times = sorted(t for p in phases for t in p["latencies"])
    counts: dict[str, int] = {}
    for p in phases:
        for key, n in p["counts"].items():
            counts[key] = counts.get(key, 0) + n

    def pct(q: float) -> float:
        return times[min(len(times) - 1, int(q * len(times)))] if times else 0.0

    return {
        "rps": requests / seconds if seconds else 0.0,
        "requests": requests,
        "p50": pct(0.50),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "counts": counts,
    }


def _open_tasks(data: dict, data_path: Path) -> None:
    """Before a round: each officer's tasks still open (the earlier rounds closed some)."""
    from zoufang.visits.models import OPEN_STATES, VisitTask

    open_ids = set(VisitTask.objects.filter(state__in=OPEN_STATES).values_list("pk", flat=True))
    for officer in data["officers"]:
        officer["tasks"] = [t for t in officer["tasks"] if t in open_ids]
    data_path.write_text(json.dumps(data))


def _pending() -> int:
    from zoufang.visits.models import RegistryState, Visit

    return Visit.objects.filter(registry_state=RegistryState.PENDING).count()


def _drain(queue, worker: subprocess.Popen | None) -> dict:  # type: ignore[no-untyped-def]
    """The worker's backlog when the load stopped, and how long it took to clear."""
    if worker is None:
        return {"backlog": _pending(), "queued": 0, "seconds": 0.0}
    backlog, queued = _pending(), queue.llen("celery")
    t0 = time.perf_counter()
    while _pending() and time.perf_counter() - t0 < DRAIN_TIMEOUT and worker.poll() is None:
        time.sleep(0.5)
    return {"backlog": backlog, "queued": queued, "seconds": time.perf_counter() - t0}


def _registry_check() -> dict:
    """Every acknowledged visit's registry update applied once: its householder history."""
    from zoufang.registry.models import Change
    from zoufang.visits.models import RegistryState, Visit

    states = dict(Visit.objects.values_list("registry_state").annotate(n=Count("pk")).order_by())
    householder = Change.objects.filter(source="visit", entity="household", field="householder")
    with_history = householder.values("reference").distinct().count()
    return {
        "applied": states.get(RegistryState.APPLIED, 0),
        "pending": states.get(RegistryState.PENDING, 0),
        "failed": states.get(RegistryState.FAILED, 0),
        "with_history": with_history,
        "history_rows": householder.count(),
    }


def visit_submit(bench: Bench) -> Figure:
    from zoufang.visits.models import Visit

    OUT.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    data = _setup()
    setup_seconds = time.perf_counter() - t0
    data_path = OUT / "officers.json"
    data_path.write_text(json.dumps(data))
    (OUT / "locustfile.py").write_text(LOCUSTFILE)
    queue = _redis()
    broker = queue is not None
    port = _free_port()
    server = _gunicorn(port, broker)
    worker = _worker(broker)
    trivials, submits, drains = [], [], []
    try:
        _wait_up(port)
        for rnd in range(1, ROUNDS + 1):
            _open_tasks(data, data_path)
            trivials.append(_locust(port, "trivial", data_path, rnd))
            submits.append(_locust(port, "submit", data_path, rnd))
            drains.append(_drain(queue, worker))
    finally:
        server.terminate()
        server.wait(timeout=30)
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=60)
    trivial, submit = _combine(trivials), _combine(submits)
    rows = Visit.objects.count()
    acked = submit["counts"].get("acked", -1)
    registry = _registry_check()
    ratio = submit["rps"] / trivial["rps"] if trivial["rps"] else 0.0
    per_round = [
        s["rps"] / t["rps"] if t["rps"] else 0.0 for t, s in zip(trivials, submits, strict=True)
    ]
    return Figure(
        ratio=ratio,
        value=submit["rps"],
        unit="visits/s",
        baseline=f"GET /api/v1/me on the same server, same run ({trivial['rps']:.0f} req/s)",
        goal="≥ 0.5, and visit rows == acknowledged submissions",
        extra={
            "database": bench.database,
            "simulated officers": OFFICERS,
            "rounds × seconds per phase": f"{ROUNDS} × {RUN_SECONDS}",
            "ratio per round": " / ".join(f"{r:.3f}" for r in per_round),
            "visits/s per round": " / ".join(f"{p['rps']:.1f}" for p in submits),
            "/me req/s per round": " / ".join(f"{p['rps']:.0f}" for p in trivials),
            "gunicorn": f"gthread, {GUNICORN_WORKERS} workers × {GUNICORN_THREADS} threads",
            "submit p50/p95/p99 ms": f"{submit['p50']:.0f}/{submit['p95']:.0f}/{submit['p99']:.0f}",
            "trivial p50/p95/p99 ms": f"{trivial['p50']:.0f}/{trivial['p95']:.0f}/{trivial['p99']:.0f}",
            "trivial requests": trivial["requests"],
            "acknowledged (201)": acked,
            "visit rows": rows,
            "rows == acknowledged": rows == acked,
            "replays answered with the same visit": submit["counts"].get("replayed", 0),
            "replay mismatches": submit["counts"].get("replay_mismatch", 0),
            "refused (422)": submit["counts"].get("refused", 0),
            "errors (other)": submit["counts"].get("errors", 0),
            "registry updates": (
                f"Celery worker (1 process, same machine, nice {WORKER_NICE}) on Redis"
                if broker
                else "eager, inside the request (no Redis)"
            ),
            "registry backlog when each round's load stopped (visits)": " / ".join(
                str(d["backlog"]) for d in drains
            ),
            "messages queued then": " / ".join(str(d["queued"]) for d in drains),
            "seconds to drain each backlog": " / ".join(f"{d['seconds']:.1f}" for d in drains),
            "registry applied / pending / refused": (
                f"{registry['applied']}/{registry['pending']}/{registry['failed']}"
            ),
            "registry applied == acknowledged": registry["applied"] == acked,
            "visits with householder history / history rows": (
                f"{registry['with_history']}/{registry['history_rows']}"
            ),
            "setup seconds": round(setup_seconds, 1),
        },
    )


FIGURES = {"visit_submit": visit_submit}
