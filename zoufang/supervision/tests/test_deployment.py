"""Deployment (力量到位): not deployed, rule-breaking teams, workload outliers, not started."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from python_calamine import CalamineWorkbook

from zoufang.campaigns.models import Phase
from zoufang.org.models import Personnel
from zoufang.org.tests.factories import (
    PersonnelFactory,
    TeamFactory,
    TeamMemberFactory,
    UnitFactory,
)
from zoufang.supervision.selectors.deployment import TeamCheck, deployment, mark_outliers
from zoufang.supervision.tests.conftest import make_visit
from zoufang.visits.models import Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk_staff(tree):
    """Two officers of the county X office on no team, one county leader, one of county Y."""
    year = timezone.localdate().year
    return [
        PersonnelFactory(
            name="钱未下沉", unit=tree.county_x, post=Personnel.Post.STATION, year_joined=year - 8
        ),
        PersonnelFactory(
            name="周未下沉", unit=tree.city, post=Personnel.Post.STATION, year_joined=year - 4
        ),
        PersonnelFactory(
            name="吴局长", unit=tree.county_x, post=Personnel.Post.COMMAND, year_joined=year - 20
        ),
        PersonnelFactory(
            name="郑建安", unit=tree.county_y, post=Personnel.Post.STATION, year_joined=year - 6
        ),
    ]


def _page(client_for, user, **params):
    return client_for(user).get("/supervision/deployment/", params)


def test_not_deployed_lists_office_staff_on_no_team(office, desk_staff, people, client_for):
    r = _page(client_for, office)
    names = [p.name for p in r.context["d"].people]
    assert "钱未下沉" in names
    assert "周未下沉" in names
    assert "郑建安" in names
    # On a team (the desk officer sent down), and the leader, are not listed.
    assert people.desk_a.name not in names
    assert "吴局长" not in names
    counts = {row.unit.code: row.not_deployed for row in r.context["d"].by_child}
    assert counts == {"411002": 1, "411003": 1}


def test_county_sees_its_own_people_only_and_404_on_another(
    county_admin, desk_staff, tree, campaign, client_for
):
    r = _page(client_for, county_admin)
    assert [p.name for p in r.context["d"].people] == ["钱未下沉"]
    assert _page(client_for, county_admin, unit=tree.county_y.pk).status_code == 404
    export = _page(client_for, county_admin, export="xlsx")
    text = str(
        CalamineWorkbook.from_filelike(io.BytesIO(b"".join(export.streaming_content)))
        .get_sheet_by_index(0)
        .to_python()
    )
    assert "钱未下沉" in text
    assert "郑建安" not in text


def test_officers_have_no_supervision_pages(officer_a, campaign, client_for):
    assert _page(client_for, officer_a).status_code == 404


def test_team_breaking_the_rules_is_named_with_its_reasons(office, people, tree, campaign):
    d = deployment(office, unit=tree.city, campaign=campaign, start_by_day=3, iqr_factor=1.5)
    breaking = {c.team.pk: c.problems for c in d.breaking}
    # Team B is its community officer alone: no auxiliary, nobody newer to bring on.
    assert people.team_b.pk in breaking
    assert any("警辅结合" in p for p in breaking[people.team_b.pk])
    assert people.team_a.pk not in breaking


def test_outliers_beyond_the_iqr_fences():
    class T:
        pk = 0

    def check(work, members=1):
        return TeamCheck(team=T(), members=members, households=work)

    checks = [check(w) for w in (100, 110, 105, 95, 102, 98, 400, 10)]
    mark_outliers(checks, 1.5)
    assert [c.outlier for c in checks] == ["", "", "", "", "", "", "high", "low"]
    # Wider fences: nothing is an outlier.
    checks = [check(w) for w in (100, 110, 105, 95, 102, 98, 400, 10)]
    mark_outliers(checks, 100)
    assert not any(c.outlier for c in checks)


def test_team_not_started_by_day_n(office, people, tree, campaign, tasks):
    visiting = campaign.phases.get(kind=Phase.Kind.VISITING)
    make_visit(
        tasks.a[0], when=timezone.make_aware(dt.datetime.combine(visiting.start_date, dt.time(10)))
    )
    d = deployment(office, unit=tree.city, campaign=campaign, start_by_day=1, iqr_factor=1.5)
    not_started = [c.team.pk for c in d.not_started]
    assert not_started == [people.team_b.pk]
    # Team A's first visit on day 2 of visiting would be late for N = 1.
    late = timezone.make_aware(
        dt.datetime.combine(visiting.start_date + dt.timedelta(days=1), dt.time(10))
    )
    Visit.objects.all().update(started_at=late - dt.timedelta(minutes=20), ended_at=late)
    d = deployment(office, unit=tree.city, campaign=campaign, start_by_day=1, iqr_factor=1.5)
    assert {c.team.pk for c in d.not_started} == {people.team_a.pk, people.team_b.pk}


def test_counts_per_child_unit_add_up(office, desk_staff, people, tree, campaign, client_for):
    extra = UnitFactory(code="411002001003", name="新社区", parent=tree.s1, beat_kind="community")
    team = TeamFactory(campaign=campaign, beat=extra, name="新社区走访组")
    TeamMemberFactory(
        team=team, personnel=PersonnelFactory(unit=tree.s1, deployed_to=extra, auxiliary=True)
    )
    r = _page(client_for, office)
    d = r.context["d"]
    rows = {row.unit.code: row for row in d.by_child}
    assert rows["411002"].breaking == 1  # the auxiliary-only team
    assert rows["411003"].breaking == 1  # team B
    assert sum(row.breaking for row in d.by_child) == len(d.breaking)
    assert b"411002" in r.content


def test_deployment_and_the_team_pages_count_the_same_rule_breakers(
    office, people, tree, campaign, client_for
):
    """Two teams that only one of the two pages used to count: one whose members are all
    experienced (nobody newer to bring on, 以老带新) and one without a community officer
    (捆绑作业 with the beat's community officer). Both pages now count both, and agree."""
    year = timezone.localdate().year
    veterans = TeamFactory(campaign=campaign, beat=tree.beat_a2, name="七里店走访组")
    co = PersonnelFactory(
        unit=tree.s1, beat=tree.beat_a2, post=Personnel.Post.COMMUNITY, year_joined=year - 15
    )
    aux = PersonnelFactory(
        unit=tree.s1, deployed_to=tree.beat_a2, auxiliary=True, year_joined=year - 10
    )
    for p in (co, aux):
        TeamMemberFactory(team=veterans, personnel=p)
    no_co = TeamFactory(campaign=campaign, beat=tree.beat_a, name="文峰二组")
    for p in (
        PersonnelFactory(unit=tree.s1, deployed_to=tree.beat_a, year_joined=year - 9),
        PersonnelFactory(
            unit=tree.s1, deployed_to=tree.beat_a, auxiliary=True, year_joined=year - 1
        ),
    ):
        TeamMemberFactory(team=no_co, personnel=p)

    page = _page(client_for, office).context["d"]
    on_deployment = {c.team.pk for c in page.breaking}
    listing = client_for(office).get("/org/teams/", {"noncompliant": "1"}).context["page"]
    on_team_list = {t.pk for t in listing}
    assert on_deployment == on_team_list == {people.team_b.pk, veterans.pk, no_co.pk}
    unit_page = client_for(office).get(f"/org/units/{tree.city.pk}/")
    assert unit_page.context["non_compliant_count"] == len(on_deployment)
    assert sum(r.breaking for r in page.by_child) == len(on_deployment)
