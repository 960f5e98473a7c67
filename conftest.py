"""The jurisdiction cast every test can use (healthchecks' alice/bob/charlie, for a police tree).

    city 411000 (许昌市公安局)
    ├── county X 411002 (魏都分局)                    county_admin
    │   └── station S1                               chief_a
    │       ├── beat A                               officer_a, member_a (auxiliary, team member)
    │       └── beat A2
    └── county Y 411003 (建安分局)
        └── station S2                               chief_b
            └── beat B                               officer_b

Campaign-wide: office, leader, supervisor. Researcher: no unit data.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from zoufang.campaigns.services import campaign_create_from_template
from zoufang.core.roles import Role
from zoufang.org.models import Department, Personnel, Unit
from zoufang.org.tests.factories import (
    PersonnelFactory,
    TeamFactory,
    TeamMemberFactory,
    UnitFactory,
    UserFactory,
)

CHROMIUM = Path("/usr/bin/chromium")
# Mark a browser test module with `pytestmark = BROWSER_TEST`: it is skipped (and the run
# says so) where Debian's chromium is missing.
BROWSER_TEST = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="browser tests need Debian's chromium at /usr/bin/chromium"
    ),
]


def pytest_collection_modifyitems(config, items):
    """`@pytest.mark.postgres` tests are skipped on SQLite, with a reason the summary counts."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (runs on the PostgreSQL pass of CI)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Say how many tests did not run here and why, so a skip is never silent."""
    reasons: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    for reason, count in sorted(reasons.items(), key=lambda kv: -kv[1]):
        terminalreporter.write_line(f"NOTE: {count} tests not run here: {reason}", yellow=True)


@pytest.fixture
def browser(monkeypatch):
    """Debian's chromium driven by Playwright (never a downloaded browser)."""
    # Playwright's sync API runs an event loop in this thread; Django's async guard would trip
    # on the ORM calls the test makes while it is open. Only for this test: the guard is back
    # (monkeypatch restores the environment) for the tests after it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_step(monkeypatch):
    """`Client.force_login` (Django's test API) signs a user in without the login form; for a
    user with a device it is followed by the real code check (zoufang.org.tests.otp), so
    pages answer as they do after the two-step login. No setting switches the check off."""
    from zoufang.org.tests.otp import verify_session

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        verify_session(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def campaign(db):
    return campaign_create_from_template(start_date=timezone.localdate() - dt.timedelta(days=10))


@pytest.fixture
def tree(db):
    city = UnitFactory(code="411000", name="许昌市公安局", level=Unit.Level.CITY)
    county_x = UnitFactory(code="411002", name="魏都分局", parent=city)
    county_y = UnitFactory(code="411003", name="建安分局", parent=city)
    s1 = UnitFactory(code="411002001", name="西大街派出所", parent=county_x)
    s2 = UnitFactory(code="411003001", name="尚集派出所", parent=county_y)
    beat_a = UnitFactory(code="411002001001", name="文峰社区", parent=s1, beat_kind="community")
    beat_a2 = UnitFactory(code="411002001002", name="七里店社区", parent=s1, beat_kind="community")
    beat_b = UnitFactory(code="411003001001", name="丁庄村", parent=s2, beat_kind="village")
    return SimpleNamespace(
        city=city,
        county_x=county_x,
        county_y=county_y,
        s1=s1,
        s2=s2,
        beat_a=beat_a,
        beat_a2=beat_a2,
        beat_b=beat_b,
    )


@pytest.fixture
def people(tree, campaign):
    """A compliant team in beat A and a team in beat B with no auxiliary (breaks 警辅结合)."""
    year = timezone.localdate().year
    co_a = PersonnelFactory(
        name="张社区",
        unit=tree.s1,
        beat=tree.beat_a,
        post=Personnel.Post.COMMUNITY,
        year_joined=year - 12,
        phone="13800000001",
    )
    aux_a = PersonnelFactory(
        name="李辅警",
        unit=tree.s1,
        deployed_to=tree.beat_a,
        auxiliary=True,
        year_joined=year - 2,
        phone="13800000002",
    )
    desk_a = PersonnelFactory(
        name="王机关",
        unit=tree.city,
        deployed_to=tree.beat_a,
        post=Personnel.Post.DESK,
        year_joined=year - 3,
    )
    co_b = PersonnelFactory(
        name="赵社区",
        unit=tree.s2,
        beat=tree.beat_b,
        post=Personnel.Post.COMMUNITY,
        year_joined=year - 9,
        phone="13900000009",
    )
    chief_a_p = PersonnelFactory(
        name="孙所长", unit=tree.s1, post=Personnel.Post.COMMAND, year_joined=year - 20
    )
    team_a = TeamFactory(campaign=campaign, beat=tree.beat_a, name="文峰走访组", leader=co_a)
    for p in (co_a, aux_a, desk_a):
        TeamMemberFactory(team=team_a, personnel=p)
    team_b = TeamFactory(campaign=campaign, beat=tree.beat_b, name="丁庄走访组", leader=co_b)
    TeamMemberFactory(team=team_b, personnel=co_b)
    return SimpleNamespace(
        co_a=co_a,
        aux_a=aux_a,
        desk_a=desk_a,
        co_b=co_b,
        chief_a=chief_a_p,
        team_a=team_a,
        team_b=team_b,
    )


def _user(username: str, role: str, unit: Unit | None = None, **extra):
    return UserFactory(username=username, role=role, unit=unit, **extra)


@pytest.fixture
def officer_a(tree, people):
    return _user("officer_a", Role.COMMUNITY_OFFICER, tree.beat_a, personnel=people.co_a)


@pytest.fixture
def member_a(tree, people):
    return _user("member_a", Role.TEAM_MEMBER, tree.beat_a, personnel=people.aux_a)


@pytest.fixture
def chief_a(tree, people):
    return _user(
        "chief_a",
        Role.STATION_CHIEF,
        tree.s1,
        personnel=people.chief_a,
        is_staff=True,
        can_view_sensitive=True,
    )


@pytest.fixture
def county_admin(tree):
    return _user(
        "county_admin", Role.COUNTY_ADMIN, tree.county_x, is_staff=True, can_view_sensitive=True
    )


@pytest.fixture
def officer_b(tree, people):
    return _user("officer_b", Role.COMMUNITY_OFFICER, tree.beat_b, personnel=people.co_b)


@pytest.fixture
def chief_b(tree):
    return _user("chief_b", Role.STATION_CHIEF, tree.s2, is_staff=True)


@pytest.fixture
def office(tree):
    return _user("office", Role.OFFICE, is_staff=True)


@pytest.fixture
def leader(tree):
    return _user("leader", Role.LEADER, can_view_sensitive=True)


@pytest.fixture
def supervisor(tree):
    return _user("supervisor", Role.SUPERVISOR)


@pytest.fixture
def researcher(tree):
    dept, _ = Department.objects.get_or_create(code="zhian", defaults={"name": "治安"})
    return _user("researcher", Role.RESEARCHER, department=dept)


@pytest.fixture
def client_for():
    """client_for(user) -> a test client logged in as that user."""

    def make(user) -> Client:
        c = Client()
        c.force_login(user)
        return c

    return make
