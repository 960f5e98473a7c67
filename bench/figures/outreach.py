"""public_flood: the public page's rate limits under a flood, with honest residents at the same
time (issue 14). Locust drives two kinds of users against the app served by gunicorn behind a
small reverse proxy:

- flood clients bound to source addresses in 127.0.10.0/24 (PUBLIC_FLOOD_ADDRESSES, one by
  default: one script, many connections), posting suggestions as fast as they can: a fresh
  challenge solved while their posts are served, then, once refused, the same post again at
  once (the limiter answers before the challenge is looked at);
- honest residents, each bound to its own address in 127.0.20.0/24 … 127.0.23.0/24, who open
  the page and send a suggestion every 20–40 s, solving a fresh challenge each time.

Every 127.x.y.z is this machine, so the source addresses are real TCP peers. The proxy
(127.0.0.1:P → gunicorn, its own upstream connections bound to 127.0.0.2) sets X-Real-IP to the
peer address it saw, replacing whatever the client sent; gunicorn runs with
TRUSTED_PROXIES=127.0.0.2, so the limiter keys on the address the proxy reports and never on a
header a client sets (the flood also sends a forged X-Real-IP, which changes nothing). The
counts live in Redis (REDIS_URL, database 14), shared by the gunicorn workers as in production.

Figure: the share of flood posts refused (429, or 400 for a challenge that fails) — value —
and the share of honest posts served (200 with a receipt) — extra; ratio is the smaller of
the two over the goal 0.99.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.common import Bench, Figure

ROOT = Path(__file__).resolve().parent.parent.parent
OUT = ROOT / ".bench" / "public_flood"
REDIS_URL = os.environ.get("PUBLIC_FLOOD_REDIS", "redis://127.0.0.1:6379/14")
RUN_SECONDS = int(os.environ.get("PUBLIC_FLOOD_SECONDS", "60"))
FLOOD_USERS = int(os.environ.get("PUBLIC_FLOOD_USERS", "8"))
FLOOD_ADDRESSES = int(os.environ.get("PUBLIC_FLOOD_ADDRESSES", "1"))
HONEST_USERS = int(os.environ.get("PUBLIC_FLOOD_HONEST", "20"))
PROXY_SOURCE = "127.0.0.2"

LOCUSTFILE = r"""
import hashlib, itertools, json, os, random, re, threading
from locust import HttpUser, task, between, constant, events
from requests.adapters import HTTPAdapter

DATA = json.load(open(os.environ["PF_DATA"]))
COUNTS = {"flood_sent": 0, "flood_refused": 0, "flood_served": 0,
          "honest_sent": 0, "honest_served": 0, "honest_refused": 0}
_lock = threading.Lock()
_flood_ip = itertools.count(0)
_honest_ip = itertools.count(0)
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Bound(HTTPAdapter):
    def __init__(self, source, **kw):
        self.source = source
        super().__init__(**kw)

    def init_poolmanager(self, *args, **kw):
        kw["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kw)


def solve(challenge, bits):
    for n in itertools.count():
        d = hashlib.sha256(f"{challenge}:{n}".encode()).digest()
        z = 0
        for b in d:
            if b == 0:
                z += 8
                continue
            z += 8 - b.bit_length()
            break
        if z >= bits:
            return str(n)


class Resident(HttpUser):
    abstract = True

    def bind(self, ip):
        self.ip = ip
        self.client.mount("http://", Bound(ip))

    def open_form(self):
        r = self.client.get(DATA["suggest"], name="form")
        m = TOKEN.search(r.text or "")
        self.csrf = m.group(1) if m else ""

    proof = None

    def send(self, text, extra_headers=None):
        # A fresh challenge for every honest post; a flood script asks for one only while its
        # posts are served, and once refused re-sends as fast as it can with what it has (the
        # limiter answers before the challenge is looked at, so this changes only its pace).
        if self.kind == "honest" or self.proof is None:
            r = self.client.get(DATA["challenge"], name="challenge")
            try:
                c = r.json()
                self.proof = {"challenge": c["challenge"], "answer": solve(c["challenge"], c["bits"])}
            except Exception:
                self.proof = {"challenge": "", "answer": ""}
        proof = self.proof
        headers = {"Referer": DATA["host"] + DATA["suggest"], **(extra_headers or {})}
        with self.client.post(DATA["suggest"], data={"text": text, "csrfmiddlewaretoken": self.csrf, **proof},
                              headers=headers, name=self.kind, catch_response=True) as r:
            ok = r.status_code == 200 and "data-reference" in r.text
            r.success()
        if ok:
            self.proof = None
        return ok


class Flood(Resident):
    weight = 0
    fixed_count = int(os.environ["PF_FLOOD"])
    wait_time = constant(0)
    kind = "flood"

    def on_start(self):
        # Several flood users per address: one script, many connections.
        self.bind(f"127.0.10.{1 + next(_flood_ip) % int(os.environ['PF_FLOOD_ADDRESSES'])}")
        self.open_form()

    @task
    def flood(self):
        ok = self.send("点击领取红包 " + str(random.random()), {"X-Real-IP": f"127.9.{random.randint(0,255)}.1"})
        with _lock:
            COUNTS["flood_sent"] += 1
            COUNTS["flood_served" if ok else "flood_refused"] += 1


class Honest(Resident):
    weight = 1
    wait_time = between(20, 40)
    kind = "honest"

    def on_start(self):
        n = next(_honest_ip)
        self.bind(f"127.0.{20 + n // 250}.{1 + n % 250}")
        self.open_form()

    @task
    def suggest(self):
        ok = self.send(f"建议在{random.choice(['东门', '北街', '菜市场'])}增加夜间巡逻 {self.ip}")
        with _lock:
            COUNTS["honest_sent"] += 1
            COUNTS["honest_served" if ok else "honest_refused"] += 1


@events.quitting.add_listener
def _write(environment, **kw):
    with open(os.environ["PF_COUNTS"], "w") as fh:
        json.dump(COUNTS, fh)
"""


class _Proxy(BaseHTTPRequestHandler):
    """The deployment's proxy in miniature: forwards to gunicorn from 127.0.0.2 and sets
    X-Real-IP to the peer it saw (nginx's `proxy_set_header X-Real-IP $remote_addr`)."""

    upstream: tuple[str, int] = ("127.0.0.1", 0)
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {
            k: v for k, v in self.headers.items() if k.lower() not in ("x-real-ip", "connection")
        }
        headers["X-Real-IP"] = self.client_address[0]
        conn = HTTPConnection(*self.upstream, timeout=60, source_address=(PROXY_SOURCE, 0))
        try:
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            self.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.send_error(502)
        finally:
            conn.close()

    do_GET = _forward
    do_POST = _forward


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _setup() -> dict:
    """A city with one beat and its team, the campaign; the beat's public links."""
    from django.urls import reverse
    from django.utils import timezone

    from zoufang.campaigns.services import campaign_create_from_template
    from zoufang.findings.catalog import catalog_sync
    from zoufang.org.models import Unit
    from zoufang.outreach.sheets import beat_token

    catalog_sync()
    if not Unit.objects.filter(code="411000").exists():
        import datetime as dt

        campaign_create_from_template(start_date=timezone.localdate() - dt.timedelta(days=10))
        parent = None
        for code, name, level in (
            ("411000", "许昌市公安局", 1),
            ("411002", "魏都分局", 2),
            ("411002001", "西大街派出所", 3),
            ("411002001001", "文峰社区", 4),
        ):
            parent = Unit.objects.create(
                code=code,
                name=name,
                level=level,
                parent=parent,
                path=Unit.build_path(parent, code),
                beat_kind="community" if level == 4 else "",
            )
    beat = Unit.objects.get(code="411002001001")
    token = beat_token(beat)
    return {
        "suggest": reverse("public:suggest", args=[token]),
        "challenge": reverse("public:challenge"),
    }


def _server_env() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.public_flood_settings",
        "DEBUG": "false",
        "REDIS_URL": REDIS_URL,
        "TRUSTED_PROXIES": PROXY_SOURCE,
        "OUTREACH_POW_BITS": "8",  # the limiter is measured here, not the challenge's cost
        "SECURE_COOKIES": "false",
        # A bench-only key (base wants one when the settings module is not dev or test).
        "FIELD_ENCRYPTION_KEY": base64.b64encode(hashlib.sha256(b"public_flood").digest()).decode(),
    }


def public_flood(bench: Bench) -> Figure:
    import redis

    OUT.mkdir(parents=True, exist_ok=True)
    data = _setup()
    redis.Redis.from_url(REDIS_URL).flushdb()
    port, proxy_port = _free_port(), _free_port()
    data["host"] = f"http://127.0.0.1:{proxy_port}"
    (OUT / "data.json").write_text(json.dumps(data))
    (OUT / "locustfile.py").write_text(LOCUSTFILE)
    server = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn, fixed arguments
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(os.cpu_count() or 2),
            "--worker-class",
            "gthread",
            "--threads",
            "8",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=_server_env(),
        stdout=(OUT / "gunicorn.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    _Proxy.upstream = ("127.0.0.1", port)
    proxy = ThreadingHTTPServer(("127.0.0.1", proxy_port), _Proxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        _wait_up(port)
        counts = _locust(proxy_port)
    finally:
        proxy.shutdown()
        server.terminate()
        server.wait(timeout=30)
    flood = counts["flood_refused"] / counts["flood_sent"] if counts["flood_sent"] else 0.0
    honest = counts["honest_served"] / counts["honest_sent"] if counts["honest_sent"] else 0.0
    return Figure(
        ratio=min(flood, honest) / 0.99,
        value=flood,
        unit="share",
        baseline="flood posts refused; honest posts served (extra)",
        goal="both ≥ 0.99",
        extra={
            "honest_served_share": round(honest, 4),
            **counts,
            "flood_users": FLOOD_USERS,
            "flood_addresses": FLOOD_ADDRESSES,
            "honest_addresses": HONEST_USERS,
            "seconds": RUN_SECONDS,
            "load_before": os.getloadavg()[0],
        },
    )


def _wait_up(port: int) -> None:
    import urllib.request

    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start; see .bench/public_flood/gunicorn.log")


def _locust(proxy_port: int) -> dict:
    counts = OUT / "counts.json"
    counts.unlink(missing_ok=True)
    env = {
        **os.environ,
        "PF_DATA": str(OUT / "data.json"),
        "PF_COUNTS": str(counts),
        "PF_FLOOD": str(FLOOD_USERS),
        "PF_FLOOD_ADDRESSES": str(FLOOD_ADDRESSES),
    }
    subprocess.run(  # noqa: S603 - our own venv's locust, fixed arguments
        [
            str(Path(sys.executable).with_name("locust")),
            "-f",
            str(OUT / "locustfile.py"),
            "--headless",
            "--users",
            str(FLOOD_USERS + HONEST_USERS),
            "--spawn-rate",
            "20",
            "--run-time",
            f"{RUN_SECONDS}s",
            "--host",
            f"http://127.0.0.1:{proxy_port}",
            "--csv",
            str(OUT / "run"),
            "--only-summary",
            "--stop-timeout",
            "10",
            "--loglevel",
            "WARNING",
        ],
        cwd=OUT,
        env=env,
        check=False,
        stdout=(OUT / "locust.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    _ = csv  # the per-request statistics are in .bench/public_flood/run_stats.csv
    return json.loads(counts.read_text())


FIGURES = {"public_flood": public_flood}
