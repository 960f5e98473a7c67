"""`make load`: 500 simulated users (decision 0044's shift-change rate) against the local
layout — nginx, two gunicorn nodes, pgbouncer (transaction mode), a Celery worker and beat —
on a database holding the demo city (`DATABASE_URL`, built by `manage.py seed_demo`).

    python bench/load/run.py [--users 500] [--time 120]

Prints throughput, p95 per request kind and errors (locust's CSV in .bench/load/), then
checks that every acknowledged visit and finding is stored exactly once. Loopback only;
every process it starts is stopped at the end."""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / ".bench" / "load"


def prepare(users: int) -> dict:
    """API tokens for the team members who hold open household tasks (phones), and a fresh
    password for a few steering logins (desks)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from zoufang.org.models import TeamMember, User
    from zoufang.org.services import api_token_create
    from zoufang.visits.models import VisitTask

    phones = []
    open_tasks = VisitTask.objects.filter(kind="household", state="open").order_by("id")
    by_team: dict[int, list[int]] = {}
    beats: dict[int, int] = {}
    for t in open_tasks.values("id", "team_id", "beat_id").iterator():
        by_team.setdefault(t["team_id"], []).append(t["id"])
        beats[t["team_id"]] = t["beat_id"]
    members = TeamMember.objects.filter(team_id__in=by_team, personnel__user__isnull=False)
    team_people: dict[int, list[int]] = {}
    for m in members.values("team_id", "personnel_id"):
        team_people.setdefault(m["team_id"], []).append(m["personnel_id"])
    for m in members.select_related("personnel__user")[:users]:
        tasks = by_team[m.team_id]
        _t, key = api_token_create(user=m.personnel.user, name="load")
        phones.append(
            {
                "token": key,
                "tasks": tasks[: max(1, len(tasks) // 4)],
                "members": team_people[m.team_id][:2],
                "beat": beats[m.team_id],
            }
        )
    desks = []
    for name in ("leader", "office", "county", "chief"):
        user = User.objects.filter(username=name).first()
        if user is None:
            continue
        password = secrets.token_urlsafe(12)
        user.password = PBKDF2PasswordHasher().encode(password, secrets.token_hex(8), 1000)
        user.save(update_fields=["password"])
        unit = user.personnel.unit_id if hasattr(user, "personnel") else None
        # The second login step (issue 17): one recovery code per desk login (a TOTP code
        # could serve only one login per 30 s and account).
        codes = []
        if user.needs_two_factor:
            from zoufang.org import twofactor

            if not twofactor.has_device(user):
                twofactor.demo_enrol(user=user)
            codes = twofactor.recovery_codes_renew(user=user)
            from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

            static = StaticDevice.objects.get(user=user)
            extra = [
                StaticToken.random_token() for _ in range(max(0, users // 20 + 10 - len(codes)))
            ]
            StaticToken.objects.bulk_create(StaticToken(device=static, token=c) for c in extra)
            codes += extra
        desks.append({"username": name, "password": password, "unit": unit, "codes": codes})
    return {"phones": phones, "desks": desks}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--users", type=int, default=500)
    ap.add_argument("--time", type=int, default=120, help="seconds of load")
    ap.add_argument("--rate", type=float, default=0.17, help="requests per user per second")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)

    accounts = prepare(args.users)
    from django.conf import settings
    from django.db import connection

    from bench.localstack import Stack

    stack = Stack(
        db=connection.settings_dict["NAME"],
        redis_url=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15",
        env={
            "SECRET_KEY": settings.SECRET_KEY,
            "FIELD_ENCRYPTION_KEY": settings.FIELD_ENCRYPTION_KEY,
        },
    )
    acked = OUT / "acked.jsonl"
    acked.unlink(missing_ok=True)
    started = time.time()
    try:
        stack.start_pgbouncer("transaction")
        stack.collectstatic()
        stack.start_worker()
        stack.start_beat()
        stack.start_node("web1", workers=2, threads=8)
        stack.start_node("web2", workers=2, threads=8)
        stack.start_nginx(["web1", "web2"])
        accounts["cert"] = str(stack.workdir / "cert.pem")
        accounts["import_file"] = str(ROOT / "samples" / "registry-households-messy.xlsx")
        (OUT / "accounts.json").write_text(json.dumps(accounts))
        env = {
            **os.environ,
            "LOAD_ACCOUNTS": str(OUT / "accounts.json"),
            "LOAD_ACKED": str(acked),
            "LOAD_PER_USER_RATE": str(args.rate),
        }
        subprocess.run(  # noqa: S603 - our own locust command
            [
                sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("locustfile.py")),
                "--headless", "--host", f"https://127.0.0.1:{stack.ports['nginx']}",
                "--users", str(args.users), "--spawn-rate", str(max(1, args.users // 10)),
                "--run-time", f"{args.time}s", "--csv", str(OUT / "locust"), "--only-summary",
            ],
            env=env, cwd=ROOT, check=False, timeout=args.time + 300,
        )  # fmt: skip
    finally:
        stack.stop()
    return report(args, acked, time.time() - started)


def report(args: argparse.Namespace, acked: Path, wall: float) -> int:
    from zoufang.findings.models import Finding
    from zoufang.visits.models import Visit

    rows = list(csv.DictReader((OUT / "locust_stats.csv").open()))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    print(f"\nload: {args.users} users, target {args.users * args.rate:.0f} req/s, {args.time}s")
    for r in rows:
        print(
            f"  {r['Name']:<28} {int(r['Request Count']):>7} req  {float(r['Requests/s']):7.1f}/s"
            f"  p95 {r['95%']:>6} ms  failures {r['Failure Count']}"
        )
    keys = [json.loads(line) for line in acked.read_text().splitlines() if line.strip()]
    visits = [k["key"] for k in keys if k["kind"] == "visit"]
    findings = [k["key"] for k in keys if k["kind"] == "finding"]
    stored_v = Visit.objects.filter(client_uuid__in=visits).count()
    stored_f = Finding.objects.filter(client_uuid__in=findings).count()
    print(f"  acknowledged visits {len(set(visits))}, stored {stored_v}")
    print(f"  acknowledged findings {len(set(findings))}, stored {stored_f}")
    print(f"  throughput {float(total['Requests/s']):.1f} req/s, p95 {total['95%']} ms, "
          f"errors {total['Failure Count']} of {total['Request Count']}; wall {wall:.0f}s")  # fmt: skip
    ok = stored_v == len(set(visits)) and stored_f == len(set(findings))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
