"""The home page per role and the page header's campaign."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from zoufang.org.tests.factories import PersonnelFactory, UnitFactory


def _home(client, django_assert_max_num_queries) -> tuple[str, int]:
    with django_assert_max_num_queries(14) as ctx:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries)


def _county_chart(page: str) -> dict:
    start = page.index('<script id="county-chart-data" type="application/json">')
    body = page[start:].split(">", 1)[1].split("</script>", 1)[0]
    return json.loads(body)


def test_home_page_is_a_fixed_number_of_queries(
    office, people, tree, client_for, django_assert_max_num_queries
):
    client = client_for(office)
    _, before = _home(client, django_assert_max_num_queries)
    for i in range(3):
        county = UnitFactory(parent=tree.city, code=f"41101{i}", name=f"新分局{i}")
        PersonnelFactory(unit=county)
    page, after = _home(client, django_assert_max_num_queries)
    assert _county_chart(page)["names"][-1] == "新分局2"
    assert after == before


def test_the_county_chart_counts_the_people_working_in_each_county(office, people, client_for):
    chart = _county_chart(client_for(office).get(reverse("home")).content.decode())
    # Counted by hand from the cast: county X holds 张社区, 王机关 (sent down to beat A) and
    # 孙所长 (officers) and 李辅警 (auxiliary); county Y holds 赵社区.
    assert chart["names"] == ["魏都分局", "建安分局"]
    assert chart["officers"] == [3, 1]
    assert chart["auxiliaries"] == [1, 0]


def test_only_campaign_wide_roles_get_the_county_chart(office, chief_a, client_for):
    assert 'id="county-chart"' in client_for(office).get(reverse("home")).content.decode()
    assert 'id="county-chart"' not in client_for(chief_a).get(reverse("home")).content.decode()


def test_home_counts_non_compliant_teams_in_scope(people, office, chief_a, client_for):
    office_home = client_for(office).get(reverse("home")).content.decode()
    assert 'data-stat="noncompliant">1<' in office_home
    chief_home = client_for(chief_a).get(reverse("home")).content.decode()
    assert 'data-stat="noncompliant">0<' in chief_home


def test_a_researcher_sees_no_figure_of_units_they_do_not_cover(researcher, people, client_for):
    page = client_for(researcher).get(reverse("home")).content.decode()
    assert 'data-stat="people"' not in page
    assert reverse("findings:department") in page


@pytest.mark.parametrize(
    ("role", "people_count"), [("office", 5), ("chief_a", 4), ("officer_b", 1)]
)
def test_home_counts_the_people_in_scope(role, people_count, request, people, client_for):
    page = client_for(request.getfixturevalue(role)).get(reverse("home")).content.decode()
    assert f'data-stat="people">{people_count}<' in page


def test_the_header_shows_the_phase_of_today_on_every_page(campaign, office, client_for):
    # Not the home page: it lists every phase in its own card.
    page = client_for(office).get(reverse("org:unit_tree")).content.decode()
    phase = campaign.phase_on()
    assert f'<span class="badge text-bg-warning">{phase.name}</span>' in page
    assert campaign.name in page
    for other in campaign.phases.exclude(pk=phase.pk):
        assert other.name not in page


def test_the_header_is_empty_without_a_current_campaign(campaign, office, client_for):
    campaign.is_current = False
    campaign.save()
    page = client_for(office).get(reverse("org:unit_tree")).content.decode()
    assert "campaign-bar" not in page
