"""Build the Xuchang-shaped demo city and print one login per role."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from zoufang.core.roles import Role
from zoufang.home import demo
from zoufang.home.demo import DEMO_DAY
from zoufang.org import twofactor
from zoufang.org.models import Department, Personnel, Unit, User

LOGINS_FILE = Path(settings.BASE_DIR) / ".demo-logins.txt"


class Command(BaseCommand):
    help = (
        "Build the deterministic Xuchang demo city (units, people, teams, campaign, registry, "
        "visits, findings) and print one login per role. Re-running keeps the city and issues "
        "fresh passwords; --reset rebuilds it. Each app builds its own part (see "
        "zoufang.home.demo.STEPS); on PostgreSQL the registry and the visits are written with "
        "COPY and set-based SQL."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help=(
                "multiply the beats: scale N is N × 150 beats (30 stations of 5 beats each per "
                "1×); the Xuchang-sized city is scale 20 (3,000 beats, about 1.4 M households, "
                "4.4 M persons). Households per beat do not grow with the scale: 200–1,000 a "
                "beat, communities more than villages; scale 1 is the small demo (200 a beat, "
                "quick on SQLite) unless --households-per-beat is given"
            ),
        )
        parser.add_argument(
            "--households-per-beat",
            type=int,
            default=None,
            help="give every beat this many households (default: realistic; 200 at scale 1)",
        )
        parser.add_argument(
            "--realistic",
            action="store_true",
            help="realistic households per beat (200–1,000) even at scale 1",
        )
        parser.add_argument(
            "--campaign-day",
            type=int,
            default=DEMO_DAY,
            help=(
                "today is this day of the campaign (default 11); about 3%% of the tasks are "
                "called on per day passed (34%% on day 11, 90%% from day 30: a month of visits)"
            ),
        )
        parser.add_argument("--reset", action="store_true", help="delete all data first")
        parser.add_argument("--quiet", action="store_true", help="do not print the logins")
        parser.add_argument(
            "--logins-file", type=Path, default=LOGINS_FILE, help="where to keep the logins"
        )

    def handle(self, *args: object, **opts: Any) -> None:
        started = time.monotonic()
        ctx = None
        if opts["reset"]:
            call_command("flush", interactive=False, verbosity=0)
        if not Unit.objects.filter(level=Unit.Level.CITY).exists():
            if opts["scale"] < 1 or opts["campaign_day"] < 1:
                raise CommandError("--scale and --campaign-day are 1 or more")
            ctx = demo.context(
                stdout=self.stdout,
                scale=opts["scale"],
                households_per_beat=opts["households_per_beat"],
                realistic=opts["realistic"],
                campaign_day=opts["campaign_day"],
            )
            demo.run_steps(ctx)
            if opts["verbosity"] > 1:
                self.stdout.write(
                    "seconds: " + ", ".join(f"{k} {v}" for k, v in ctx.seconds.items())
                )
        logins = self._demo_users()
        if ctx is not None:
            demo.run_steps(ctx, demo.AFTER_LOGINS)
            # Steps after the visits (findings, supervision, the patrol's labelled set, the
            # visits recorded as the demo logins) write some rows in bulk: recount the
            # rollups once from the raw records so every figure matches them.
            from zoufang.findings.rollups import rollups_rebuild as findings_rollups_rebuild
            from zoufang.visits.rollups import rollups_rebuild

            rollups_rebuild(campaign_id=ctx.campaign.pk)
            findings_rollups_rebuild()
            demo.run_steps(ctx, demo.AFTER_ROLLUPS)
        logins_file = opts["logins_file"]
        logins_file.write_text(_format_logins(logins), encoding="utf-8")
        logins_file.chmod(0o600)
        self.stdout.write(
            f"demo city: {Unit.objects.count()} units, {Personnel.objects.count()} people "
            f"({time.monotonic() - started:.1f}s)"
        )
        if not opts["quiet"]:
            self.stdout.write(_format_logins(logins))

    @transaction.atomic
    def _demo_users(self) -> list[tuple[str, str, str, str, tuple[str, str] | None]]:
        county = Unit.objects.filter(level=Unit.Level.COUNTY).order_by("sort_order", "code").first()
        station = (
            Unit.objects.filter(level=Unit.Level.STATION, parent=county)
            .order_by("sort_order", "code")
            .first()
        )
        beat = (
            Unit.objects.filter(level=Unit.Level.BEAT, parent=station)
            .order_by("sort_order", "code")
            .first()
        )
        community_officer = Personnel.objects.filter(
            beat=beat, post=Personnel.Post.COMMUNITY
        ).first()
        auxiliary = (
            Personnel.objects.filter(deployed_to=beat, kind=Personnel.Kind.AUXILIARY)
            .order_by("pk")
            .first()
        )
        chief = Personnel.objects.filter(unit=station, post=Personnel.Post.COMMAND).first()
        zhian = Department.objects.filter(code="zhian").first()
        specs = [
            ("leader", Role.LEADER, None, None, None, "董组长"),
            ("deputy", Role.DEPUTY_LEADER, None, None, None, "王副组长"),
            ("member", Role.LEADERSHIP_MEMBER, None, None, None, "李委员"),
            ("office", Role.OFFICE, None, None, None, "专项办"),
            ("workteam", Role.WORKING_TEAM, None, None, None, "工作专班"),
            ("supervisor", Role.SUPERVISOR, None, None, None, "督导组"),
            ("county", Role.COUNTY_ADMIN, county, None, None, f"{county.name}管理员"),
            ("chief", Role.STATION_CHIEF, station, None, chief, ""),
            ("officer", Role.COMMUNITY_OFFICER, beat, None, community_officer, ""),
            ("auxiliary", Role.TEAM_MEMBER, beat, None, auxiliary, ""),
            ("researcher", Role.RESEARCHER, None, zhian, None, "治安调研员"),
            ("auditor", Role.AUDITOR, None, None, None, "审计员"),
        ]
        logins = []
        for username, role, unit, department, personnel, label in specs:
            password = secrets.token_urlsafe(9)
            user, _ = User.objects.get_or_create(username=username)
            user.role, user.unit, user.department, user.personnel = (
                role,
                unit,
                department,
                personnel,
            )
            user.first_name = label
            user.is_staff = role in {
                Role.OFFICE,
                Role.WORKING_TEAM,
                Role.COUNTY_ADMIN,
                Role.STATION_CHIEF,
            }
            user.can_view_sensitive = role in {
                Role.LEADER,
                Role.DEPUTY_LEADER,
                Role.COUNTY_ADMIN,
                Role.STATION_CHIEF,
            }
            user.set_password(password)
            user.save()
            where = unit.name if unit else (department.name if department else "全市")
            logins.append((username, password, str(role.label), where, _enrolment(user)))
        admin_password = secrets.token_urlsafe(12)
        admin, _ = User.objects.get_or_create(
            username="admin", defaults={"is_superuser": True, "is_staff": True}
        )
        admin.is_superuser = admin.is_staff = True
        admin.set_password(admin_password)
        admin.save()
        logins.append(("admin", admin_password, "superuser", "Django admin", _enrolment(admin)))
        return logins


def _enrolment(user: User) -> tuple[str, str] | None:
    """The roles that must log in with two factors get a confirmed TOTP device (kept across
    re-runs, so an authenticator app set up once keeps working): its secret and URI."""
    if not user.needs_two_factor:
        return None
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = twofactor.demo_enrol(user=user)
    return twofactor.secret_base32(device), device.config_url


def _format_logins(logins: list[tuple[str, str, str, str, tuple[str, str] | None]]) -> str:
    width = max(len(u) for u, *_ in logins)
    port = os.environ.get("PORT", "8000")
    lines = ["", f"Demo logins (one per role) — http://127.0.0.1:{port}/", ""]
    for u, p, role, where, otp in logins:
        lines.append(f"  {u.ljust(width)}  {p.ljust(16)}  {role} · {where}")
        if otp:
            lines.append(f"  {''.ljust(width)}  TOTP secret {otp[0]}  {otp[1]}")
    lines += [
        "",
        "Accounts with a TOTP secret log in with a second step: add the secret (or the",
        "otpauth URI) to an authenticator app and type the 6-digit code it shows.",
    ]
    return "\n".join(lines) + "\n"
