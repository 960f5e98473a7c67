from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from zoufang.campaigns.models import Campaign
from zoufang.core.roles import Role
from zoufang.org.models import Personnel, Team, Unit, User

COUNTY_CODES = {
    "411002": "魏都",
    "411003": "建安",
    "411024": "鄢陵",
    "411025": "襄城",
    "411081": "禹州",
    "411082": "长葛",
}


def test_the_demo_city_is_xuchang_shaped_and_prints_a_login_per_role(db, tmp_path, settings):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    counties = Unit.objects.filter(level=Unit.Level.COUNTY)
    assert {c.code: c.name[:2] for c in counties} == COUNTY_CODES
    assert Unit.objects.filter(level=Unit.Level.STATION).count() >= 30
    assert Unit.objects.filter(level=Unit.Level.BEAT).count() >= 150
    assert 1300 <= Personnel.objects.count() <= 1700
    assert Team.objects.count() == Unit.objects.filter(level=Unit.Level.BEAT).count()
    campaign = Campaign.objects.current()
    assert campaign.phase_on().kind == "visiting"
    printed = out.getvalue()
    for role in Role:
        user = User.objects.get(role=role)
        assert user.username in printed
        assert user.check_password(_password_of(printed, user.username))


def test_rerunning_keeps_the_city_and_changes_the_passwords(db):
    first, second = StringIO(), StringIO()
    call_command("seed_demo", stdout=first)
    people = Personnel.objects.count()
    call_command("seed_demo", stdout=second)
    assert Personnel.objects.count() == people
    assert _password_of(first.getvalue(), "office") != _password_of(second.getvalue(), "office")


def _password_of(printed: str, username: str) -> str:
    for line in printed.splitlines():
        parts = line.split()
        if parts and parts[0] == username:
            return parts[1]
    raise AssertionError(f"{username} not printed")
