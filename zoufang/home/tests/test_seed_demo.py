from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from zoufang.campaigns.models import Campaign
from zoufang.core.roles import Role
from zoufang.core.scope import subtree_q
from zoufang.org.models import Personnel, Team, Unit, User

COUNTY_CODES = {
    "411002": "魏都",
    "411003": "建安",
    "411024": "鄢陵",
    "411025": "襄城",
    "411081": "禹州",
    "411082": "长葛",
}


def test_the_demo_city_is_xuchang_shaped_and_prints_a_login_per_role(db, tmp_path):
    # One build serves both checks: building the whole demo (registry, findings, visits)
    # takes about a minute, so the rerun is checked here too.
    out = StringIO()
    logins = tmp_path / "logins.txt"
    call_command("seed_demo", stdout=out, logins_file=logins)
    # The patrol's labelled set sits in a county bureau of its own (巡查样本分局): left out.
    sample = Unit.objects.get(level=Unit.Level.COUNTY, name="巡查样本分局")
    units = Unit.objects.exclude(subtree_q("path", sample.path))
    counties = units.filter(level=Unit.Level.COUNTY)
    assert {c.code: c.name[:2] for c in counties} == COUNTY_CODES
    assert units.filter(level=Unit.Level.STATION).count() >= 30
    assert units.filter(level=Unit.Level.BEAT).count() == 150  # scale 1: 150 beats
    assert 1300 <= Personnel.objects.exclude(subtree_q("unit_path", sample.path)).count() <= 1700
    teams = Team.objects.exclude(subtree_q("unit_path", sample.path))
    assert teams.count() == units.filter(level=Unit.Level.BEAT).count()
    campaign = Campaign.objects.current()
    assert campaign.phase_on().kind == "visiting"
    printed = out.getvalue()
    assert logins.read_text(encoding="utf-8") in printed
    for role in Role:
        user = User.objects.get(role=role)
        assert user.username in printed
        assert user.check_password(_password_of(printed, user.username))

    # Re-running keeps the city and issues fresh passwords.
    people = Personnel.objects.count()
    again = StringIO()
    call_command("seed_demo", stdout=again, logins_file=logins)
    assert Personnel.objects.count() == people
    assert _password_of(printed, "office") != _password_of(again.getvalue(), "office")


def _password_of(printed: str, username: str) -> str:
    for line in printed.splitlines():
        parts = line.split()
        if parts and parts[0] == username:
            return parts[1]
    raise AssertionError(f"{username} not printed")
