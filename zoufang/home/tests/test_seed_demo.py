from __future__ import annotations

import datetime as dt
import re
from io import StringIO

from django.core.management import call_command
from django.db.models import F
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from zoufang.campaigns.models import Campaign
from zoufang.core.roles import Role
from zoufang.core.scope import subtree_q
from zoufang.findings.models import Finding, Source
from zoufang.org import twofactor
from zoufang.org.models import Personnel, Team, Unit, User
from zoufang.research.models import Problem
from zoufang.visits.models import Visit

HOUSE_NUMBER = re.compile(r"\d+号")
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
        user = User.objects.get(role=role, is_active=True)  # the logins (demo actors are inactive)
        assert user.username in printed
        assert user.check_password(_password_of(printed, user.username))
        if user.needs_two_factor:  # the enrolment a newcomer adds to an authenticator app
            device = TOTPDevice.objects.get(user=user, confirmed=True)
            assert f"TOTP secret {twofactor.secret_base32(device)}  otpauth://totp/" in printed

    _issue_11_is_visible()
    _findings_read_as_real(campaign, sample)

    # Re-running keeps the city and issues fresh passwords.
    people = Personnel.objects.count()
    again = StringIO()
    call_command("seed_demo", stdout=again, logins_file=logins)
    assert Personnel.objects.count() == people
    assert _password_of(printed, "office") != _password_of(again.getvalue(), "office")
    # The authenticator app set up from the first run keeps working.
    office_secret = twofactor.secret_base32(TOTPDevice.objects.get(user__username="office"))
    assert f"TOTP secret {office_secret}" in again.getvalue()


def _issue_11_is_visible() -> None:
    """Village visits on their own form with inspection focuses, a wanted person met on one of
    them (the chief alerted, the officer not), referrals to local government, one overdue."""
    from zoufang.findings.models import Referral
    from zoufang.notifications.models import Notification
    from zoufang.visits.models import Visit, VisitFocus, WantedAlert

    officer, chief = User.objects.get(username="officer"), User.objects.get(username="chief")
    village = Visit.objects.filter(kind="community", form__code="community", recorded_by=officer)
    assert village.exists()
    assert VisitFocus.objects.filter(visit__in=village).exists()
    assert VisitFocus.objects.exclude(visit__in=village).count() > 100  # the bulk visits too
    assert WantedAlert.objects.filter(visit__in=village).exists()
    assert Notification.objects.filter(user=chief, kind="wanted_match").exists()
    assert not Notification.objects.filter(user=officer, kind="wanted_match").exists()
    assert Referral.objects.count() >= 3
    assert Referral.objects.overdue().count() >= 1


def _password_of(printed: str, username: str) -> str:
    for line in printed.splitlines():
        parts = line.split()
        if parts and parts[0] == username:
            return parts[1]
    raise AssertionError(f"{username} not printed")


def _findings_read_as_real(campaign, sample: Unit) -> None:
    """Every finding is at a real registry address of its own beat, its description names that
    place and no other, no two descriptions are alike, and the calendar holds: nothing is
    raised before the campaign began or in the future, a finding raised on a visit comes after
    the visit."""
    # The patrol's planted cases (巡查样本分局) are built to be odd on purpose: left out.
    # Residents' own words from the public page (source 群众) are theirs, not a template's:
    # they may repeat and name no address; the officers' findings are checked here.
    findings = list(
        Finding.objects.select_related("place")
        .exclude(subtree_q("unit_path", sample.path))
        .exclude(source=Source.PUBLIC)
        # a research problem handed on as a finding is raised at its beat, not at an address
        .exclude(pk__in=Problem.objects.exclude(finding=None).values("finding_id"))
    )
    ended = dict(
        Visit.objects.filter(pk__in=[f.visit_id for f in findings if f.visit_id]).values_list(
            "pk", "ended_at"
        )
    )
    assert len(findings) >= 300
    descriptions = [f.description for f in findings]
    assert len(set(descriptions)) == len(descriptions)
    start = timezone.make_aware(dt.datetime.combine(campaign.start_date, dt.time()))
    for f in findings:
        # A place of the registry; a finding raised on a 走村 visit is at the beat itself.
        assert f.place is not None or f.visit_id, f.number
        assert f.place is None or f.place.beat_id == f.beat_id, f.number
        # It names its own place, or no house number at all (a resident's opinion quoted
        # from a form): never another address.
        assert f.place_text in f.description or not HOUSE_NUMBER.search(f.description), (
            f.place_text,
            f.description,
        )
        assert start <= f.created_at <= timezone.now(), (f.number, f.created_at)
        if f.visit_id:
            assert f.created_at >= ended[f.visit_id], f.number
    # Visits were recorded when they happened (the audit trail shows them then), not at build.
    assert not Visit.objects.filter(created_at__lt=F("ended_at")).exists()
    assert not Visit.objects.filter(created_at__gt=timezone.now()).exists()
