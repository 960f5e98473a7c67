"""The home page per role and the page header's campaign."""

from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    "role",
    ["leader", "office", "supervisor", "county_admin", "chief_a"],
)
def test_steering_roles_get_the_command_dashboard_at_home(role, request, people, client_for):
    page = client_for(request.getfixturevalue(role)).get(reverse("home")).content.decode()
    assert 'id="dashboard-data"' in page
    assert 'data-stat="people"' not in page


@pytest.mark.parametrize("role", ["officer_a", "member_a", "officer_b"])
def test_officers_and_auxiliaries_keep_their_today_first_home(role, request, client_for):
    page = client_for(request.getfixturevalue(role)).get(reverse("home")).content.decode()
    assert 'id="dashboard-data"' not in page
    assert 'data-stat="people"' in page


def test_home_counts_non_compliant_teams_in_scope(people, officer_a, officer_b, client_for):
    # Beat B's team has no auxiliary (警辅结合 broken); beat A's is compliant.
    b_home = client_for(officer_b).get(reverse("home")).content.decode()
    assert 'data-stat="noncompliant">1<' in b_home
    a_home = client_for(officer_a).get(reverse("home")).content.decode()
    assert 'data-stat="noncompliant">0<' in a_home


def test_a_researcher_sees_no_figure_of_units_they_do_not_cover(researcher, people, client_for):
    response = client_for(researcher).get(reverse("home"), follow=True)
    page = response.content.decode()
    assert 'data-stat="people"' not in page
    assert reverse("findings:department") in page


def test_a_researchers_home_is_their_departments_research(researcher, client_for):
    response = client_for(researcher).get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("research:index")


@pytest.mark.parametrize(
    ("role", "people_count"), [("officer_a", 3), ("member_a", 3), ("officer_b", 1)]
)
def test_home_counts_the_people_in_scope(role, people_count, request, people, client_for):
    page = client_for(request.getfixturevalue(role)).get(reverse("home")).content.decode()
    assert f'data-stat="people">{people_count}<' in page


def test_the_header_shows_the_phase_of_today_on_every_page(campaign, office, client_for):
    # Not the home page: it lists every phase in its own card.
    page = client_for(office).get(reverse("org:unit_tree")).content.decode()
    phase = campaign.phase_on()
    assert f'data-phase="{phase.kind}">{phase.name}第' in page  # "集中走访第 N 天"
    assert campaign.name in page
    for other in campaign.phases.exclude(pk=phase.pk):
        assert other.name not in page


def test_the_header_is_empty_without_a_current_campaign(campaign, office, client_for):
    campaign.is_current = False
    campaign.save()
    page = client_for(office).get(reverse("org:unit_tree")).content.decode()
    assert "campaign-bar" not in page
