"""`make load`: the campaign's shift-change mix against the local layout (bench/load/run.py
starts it and writes the accounts file this reads). Decision 0044 derives the rate.

Each simulated user is one officer or auxiliary with an API token (a phone) — and every
twentieth a steering login with a session (the command dashboard). No think time: each user
is paced by `constant_throughput`, so the arrival rate is users x PER_USER_RATE whatever the
answers' speed (a slow server lowers the achieved rate, which the report shows, never the
target). Every acknowledged visit and finding is written to ACKED_FILE for the exactly-once
check after the run."""

from __future__ import annotations

import io
import itertools
import json
import os
import random
import uuid
from datetime import UTC, datetime, timedelta

from locust import HttpUser, constant_throughput, events, task

ACCOUNTS = json.loads(open(os.environ["LOAD_ACCOUNTS"], encoding="utf-8").read())  # noqa: SIM115
PER_USER_RATE = float(os.environ.get("LOAD_PER_USER_RATE", "0.17"))
ACKED_FILE = os.environ.get("LOAD_ACKED", "/tmp/zoufang-load-acked.jsonl")  # noqa: S108
_next = itertools.count()
_acked = open(ACKED_FILE, "a", encoding="utf-8")  # noqa: SIM115 - closed at exit


def _photo() -> bytes:
    from PIL import Image

    img = Image.new("RGB", (640, 480), tuple(random.randrange(256) for _ in range(3)))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80)
    return buf.getvalue()


def _ack(kind: str, key: str) -> None:
    _acked.write(json.dumps({"kind": kind, "key": key}) + "\n")
    _acked.flush()


@events.quitting.add_listener
def _close(environment, **kw):  # type: ignore[no-untyped-def]
    _acked.close()


class Phone(HttpUser):
    """An officer's phone: today list, visits with a photo, the findings ledger, a finding."""

    wait_time = constant_throughput(PER_USER_RATE)

    def on_start(self) -> None:
        self.me = ACCOUNTS["phones"][next(_next) % len(ACCOUNTS["phones"])]
        self.client.headers["Authorization"] = f"Bearer {self.me['token']}"
        self.client.verify = ACCOUNTS["cert"]
        self.tasks_left = list(self.me["tasks"])

    @task(6)
    def today_list(self) -> None:
        self.client.get("/api/v1/visits/tasks?limit=50", name="today list")

    @task(4)
    def visit_with_photo(self) -> None:
        if not self.tasks_left:
            return self.today_list()
        task_id = self.tasks_left.pop()
        visit = str(uuid.uuid4())
        self.client.post(
            "/api/v1/visits/photos",
            data={"visit_uuid": visit, "client_uuid": str(uuid.uuid4())},
            files={"file": ("p.jpg", _photo(), "image/jpeg")},
            name="visit photo",
        )
        end = datetime.now(UTC) - timedelta(minutes=2)
        body = {
            "client_uuid": visit,
            "task_id": task_id,
            "outcome": "visited",
            "started_at": (end - timedelta(minutes=12)).isoformat(),
            "ended_at": end.isoformat(),
            "members": self.me["members"],
            "answers": {"householder_name": "住户", "satisfaction": "满意"},
        }
        with self.client.post(
            "/api/v1/visits/", json=body, name="visit submit", catch_response=True
        ) as r:
            if r.status_code in (200, 201):
                _ack("visit", visit)
            elif r.status_code == 422:
                r.success()  # the task was closed meanwhile: a rule, not an error

    @task(3)
    def ledger(self) -> None:
        self.client.get("/api/v1/findings/?limit=50", name="findings ledger")

    @task(1)
    def finding(self) -> None:
        key = str(uuid.uuid4())
        body = {
            "client_uuid": key,
            "kind": "dispute-neighbour",
            "description": "负载测试:邻里纠纷",
            "beat_id": self.me["beat"],
        }
        with self.client.post("/api/v1/findings/", json=body, name="finding") as r:
            if r.status_code in (200, 201):
                _ack("finding", key)


class Desk(HttpUser):
    """A steering login on a desk: the command dashboard, now and then an import."""

    wait_time = constant_throughput(PER_USER_RATE)
    weight = 1

    def on_start(self) -> None:
        self.client.verify = ACCOUNTS["cert"]
        me = random.choice(ACCOUNTS["desks"])
        self.client.get("/accounts/login/")
        self.client.post(
            "/accounts/login/",
            data={
                "username": me["username"],
                "password": me["password"],
                "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
            },
            headers={"Referer": self.host + "/"},
        )
        if me["codes"]:  # the second step: a recovery code of its own for each desk login
            self.client.post(
                "/accounts/login/code/",
                data={
                    "code": me["codes"].pop(),
                    "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
                },
                headers={"Referer": self.host + "/"},
            )
        self.unit = me["unit"]

    @task(8)
    def dashboard(self) -> None:
        self.client.get("/", name="dashboard")

    @task(1)
    def registry_import(self) -> None:
        with open(ACCOUNTS["import_file"], "rb") as fh:
            self.client.post(
                "/registry/imports/",
                data={
                    "kind": "household",
                    "unit": str(self.unit),
                    "dry_run": "on",
                    "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
                },
                files={"file": ("households.xlsx", fh)},
                headers={"Referer": self.host + "/"},
                name="registry import (dry run)",
            )


Phone.weight = 19
