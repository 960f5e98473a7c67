"""Build the Xuchang-shaped demo city and print one login per role."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from zoufang.campaigns.services import campaign_create_from_template
from zoufang.core.roles import Role
from zoufang.org.demo import build_demo_org
from zoufang.org.models import Department, Personnel, Unit, User

LOGINS_FILE = Path(settings.BASE_DIR) / ".demo-logins.txt"


class Command(BaseCommand):
    help = (
        "Build the deterministic Xuchang demo city (units, people, teams, campaign, …) and print "
        "one login per role. Re-running keeps the city and issues fresh passwords; --reset rebuilds it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale", type=int, default=1, help="multiply stations, beats and people"
        )
        parser.add_argument("--reset", action="store_true", help="delete all data first")
        parser.add_argument("--quiet", action="store_true", help="do not print the logins")
        parser.add_argument(
            "--logins-file", type=Path, default=LOGINS_FILE, help="where to keep the logins"
        )

    def handle(
        self, *args: object, scale: int, reset: bool, quiet: bool, logins_file: Path, **opts: object
    ) -> None:
        started = time.monotonic()
        if reset:
            call_command("flush", interactive=False, verbosity=0)
        if not Unit.objects.filter(level=Unit.Level.CITY).exists():
            self._build(scale)
        logins = self._demo_users()
        logins_file.write_text(_format_logins(logins), encoding="utf-8")
        logins_file.chmod(0o600)
        self.stdout.write(
            f"demo city: {Unit.objects.count()} units, {Personnel.objects.count()} people "
            f"({time.monotonic() - started:.1f}s)"
        )
        if not quiet:
            self.stdout.write(_format_logins(logins))

    def _build(self, scale: int) -> None:
        today = timezone.localdate()
        # Today falls in the concentrated-visiting phase (day 11 of the campaign).
        campaign = campaign_create_from_template(start_date=today - dt.timedelta(days=10))
        self.stdout.write(f"campaign: {campaign.name} {campaign.start_date} – {campaign.end_date}")
        org = build_demo_org(campaign=campaign, scale=scale)
        self.stdout.write(
            f"org: {len(org.counties)} county bureaus, {len(org.stations)} stations, "
            f"{len(org.beats)} beats, {len(org.people)} people, {len(org.teams)} teams"
        )
        for step in _later_steps():
            step(campaign=campaign, org=org, stdout=self.stdout, scale=scale)

    @transaction.atomic
    def _demo_users(self) -> list[tuple[str, str, str, str]]:
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
            logins.append((username, password, str(role.label), where))
        admin_password = secrets.token_urlsafe(12)
        admin, _ = User.objects.get_or_create(
            username="admin", defaults={"is_superuser": True, "is_staff": True}
        )
        admin.is_superuser = admin.is_staff = True
        admin.set_password(admin_password)
        admin.save()
        logins.append(("admin", admin_password, "superuser", "Django admin"))
        return logins


def _later_steps() -> list:
    """Demo builders of the other apps, in dependency order. Each takes
    (campaign, org, stdout, scale); an app that is not installed or has no demo module yet
    is skipped."""
    from importlib.util import find_spec

    from django.apps import apps
    from django.utils.module_loading import import_string

    steps = []
    for app_label, dotted in [
        ("registry", "zoufang.registry.demo.build_demo_registry"),
        ("findings", "zoufang.findings.demo.build_demo_findings"),
        ("visits", "zoufang.visits.demo.build_demo_visits"),
    ]:
        module = dotted.rsplit(".", 1)[0]
        if apps.is_installed(f"zoufang.{app_label}") and find_spec(module) is not None:
            steps.append(import_string(dotted))
    return steps


def _format_logins(logins: list[tuple[str, str, str, str]]) -> str:
    width = max(len(u) for u, *_ in logins)
    port = os.environ.get("PORT", "8000")
    lines = ["", f"Demo logins (one per role) — http://127.0.0.1:{port}/", ""]
    lines += [
        f"  {u.ljust(width)}  {p.ljust(16)}  {role} · {where}" for u, p, role, where in logins
    ]
    return "\n".join(lines) + "\n"
