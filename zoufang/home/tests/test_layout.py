"""The production layout on this machine (issue 16 part 2): nginx round-robin over two
gunicorn nodes, pgbouncer in transaction mode in front of PostgreSQL, a streaming replica,
a Celery worker and beat on Redis, sessions and cache in Redis. A day's work goes through it
(a visit, a finding, a registry import, the daily reports) and the background work is checked
in the database; one login is served by both nodes in turn. bench/localstack.py starts and
stops every process, on loopback ports chosen at run time."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from zoufang.home.tests.stack import new_stack, skip_unless_layout_possible
from zoufang.visits.tests.conftest import places, tasks  # noqa: F401 - fixtures
from zoufang.visits.tests.test_api import payload

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.multiprocess,
]

SAMPLE = Path(settings.BASE_DIR) / "samples" / "registry-households-messy.xlsx"
PASSWORD = "layout-Test-2026!"  # a throwaway account of the test database


@pytest.fixture(scope="module")
def layout(django_db_setup, django_db_blocker):
    skip_unless_layout_possible()
    stack = new_stack(
        {
            "SECRET_KEY": settings.SECRET_KEY,
            "FIELD_ENCRYPTION_KEY": settings.FIELD_ENCRYPTION_KEY,
            "VISITS_REGISTRY_SWEEP_MINUTES": "1",  # beat sends it a minute after it starts
            "VISITS_REGISTRY_BATCH_MS": "200",
        }
    )
    try:
        stack.start_replica()
        stack.start_pgbouncer("transaction")
        stack.collectstatic()
        stack.start_beat()
        stack.start_worker()
        stack.start_node("web1")
        stack.start_node("web2")
        stack.start_nginx(["web1", "web2"])
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def findings_catalog(transactional_db):
    from zoufang.campaigns.services import departments_sync
    from zoufang.findings.catalog import catalog_sync

    departments_sync()
    catalog_sync()


def _password(*users) -> None:
    """Production settings hash with PBKDF2 (the test settings' MD5 is not among them)."""
    for user in users:
        user.password = PBKDF2PasswordHasher().encode(PASSWORD, "layoutsalt", iterations=1000)
        user.save(update_fields=["password"])


class Browser:
    """A signed-in session through nginx (TLS, self-signed certificate)."""

    def __init__(self, layout, username: str) -> None:
        self.base = f"https://127.0.0.1:{layout.ports['nginx']}"
        self.s = requests.Session()
        self.tls = str(layout.workdir / "cert.pem")  # the layout's own certificate
        self.get("/accounts/login/")
        r = self.post("/accounts/login/", {"username": username, "password": PASSWORD})
        if r.url.endswith("/accounts/login/code/"):  # the second step (issue 17)
            from zoufang.org.models import User
            from zoufang.org.tests.otp import fresh_code

            r = self.post(
                "/accounts/login/code/", {"code": fresh_code(User.objects.get(username=username))}
            )
        assert r.status_code == 200, r.text[:500]
        assert "/accounts/login/" not in r.url, r.text[:500]

    def _headers(self) -> dict[str, str]:
        return {"Referer": self.base + "/", "X-CSRFToken": self.s.cookies.get("csrftoken", "")}

    def get(self, path: str, **kw) -> requests.Response:
        return self.s.get(self.base + path, timeout=60, verify=self.tls, **kw)

    def post(self, path: str, data=None, **kw) -> requests.Response:
        data = {**(data or {}), "csrfmiddlewaretoken": self.s.cookies.get("csrftoken", "")}
        headers = self._headers()
        return self.s.post(
            self.base + path, data=data, headers=headers, timeout=120, verify=self.tls, **kw
        )

    def post_json(self, path: str, body: dict) -> requests.Response:
        headers = self._headers()
        return self.s.post(
            self.base + path, json=body, headers=headers, timeout=60, verify=self.tls
        )


def _until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"not within {timeout}s: {what}")


def test_a_days_work_through_the_whole_layout(
    layout,
    findings_catalog,
    tree,
    people,
    officer_a,
    member_a,
    chief_a,
    office,
    places,  # noqa: F811
    tasks,  # noqa: F811
):
    from zoufang.dashboard.models import DailyReport
    from zoufang.findings.models import Finding
    from zoufang.org.services import api_token_create
    from zoufang.registry.models import ImportJob
    from zoufang.visits.models import Visit

    _password(officer_a, chief_a, office)
    base = f"https://127.0.0.1:{layout.ports['nginx']}"
    tls = str(layout.workdir / "cert.pem")
    assert requests.get(base + "/healthz", verify=tls, timeout=30).json()["status"] == "ok"

    # One login, both nodes in turn: the session lives in Redis, not in a node.
    chief = Browser(layout, chief_a.username)
    cookies = {"sessionid": chief.s.cookies["sessionid"]}
    import redis

    session_key = f":1:django.contrib.sessions.cache{cookies['sessionid']}"
    assert redis.Redis.from_url(layout.redis_url).exists(session_key)
    for node in ("web1", "web2", "web1", "web2"):
        r = requests.get(
            f"http://127.0.0.1:{layout.ports[node]}/findings/",
            cookies=cookies,
            headers={"X-Forwarded-Proto": "https"},
            allow_redirects=False,
            timeout=60,
        )
        assert r.status_code == 200, (node, r.status_code, r.headers.get("Location"))
        assert chief_a.username in r.text or "问题线索" in r.text

    # A visit from a phone (bearer token): stored once; the worker applies it to the registry.
    _t, key = api_token_create(user=member_a)
    task = tasks[places.dwellings[0].pk]
    body = payload(task, people)
    phone = {"Authorization": f"Bearer {key}"}
    send = {"json": body, "headers": phone, "verify": tls, "timeout": 60}
    first = requests.post(f"{base}/api/v1/visits/", **send)  # noqa: S113 - timeout in send
    again = requests.post(f"{base}/api/v1/visits/", **send)  # noqa: S113
    assert (first.status_code, again.status_code) == (201, 200), first.text
    assert Visit.objects.filter(client_uuid=body["client_uuid"]).count() == 1
    _until(
        lambda: Visit.objects.filter(
            client_uuid=body["client_uuid"], registry_applied_at__isnull=False
        ).exists(),
        90,
        "the worker applied the visit to the registry",
    )

    # A finding raised on the page's API by the officer; the chief's ledger (a replica read)
    # shows it once the replica has replayed it.
    officer = Browser(layout, officer_a.username)
    r = officer.post_json(
        "/api/v1/findings/",
        {
            "kind": "dispute-neighbour",
            "description": "楼道杂物堵塞消防通道",
            "beat_id": tree.beat_a.pk,
        },
    )
    assert r.status_code == 201, r.text
    assert Finding.objects.filter(description="楼道杂物堵塞消防通道").count() == 1
    layout.replica_catch_up()
    assert "楼道杂物堵塞消防通道" in chief.get("/findings/").text

    # A registry import: uploaded through nginx, run by the worker to the end.
    with SAMPLE.open("rb") as fh:
        r = officer.post(
            "/registry/imports/",
            {"kind": "household", "unit": str(tree.beat_a.pk)},
            files={"file": (SAMPLE.name, fh)},
        )
    assert r.status_code == 200, r.text[:300]
    assert "/registry/imports/" in r.url
    job = ImportJob.objects.latest("pk")
    _until(
        lambda: (
            ImportJob.objects.get(pk=job.pk).status
            in (ImportJob.Status.DONE, ImportJob.Status.FAILED)
        ),
        120,
        "the worker ran the import",
    )
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE

    # The evening's daily reports, sent as beat sends them, made by the worker.
    from celery import Celery

    Celery(broker=layout.redis_url).send_task("dashboard.evening_reports")
    _until(lambda: DailyReport.objects.exists(), 120, "the worker made the daily reports")
    assert DailyReport.objects.filter(unit=tree.city).exists()
    report = DailyReport.objects.filter(unit=tree.city).first()
    r = Browser(layout, office.username).get(f"/dashboard/reports/{report.pk}/")
    assert r.status_code == 200

    # Beat: its one-minute registry sweep reached the worker.
    _until(
        lambda: "visits.sweep_registry" in layout.log("worker"),
        120,
        "beat's sweep ran on the worker",
    )
    for name in ("web1", "web2", "worker", "beat", "nginx", "pgbouncer"):
        assert layout.procs[name].poll() is None, f"{name} died:\n{layout.log(name)[-2000:]}"
