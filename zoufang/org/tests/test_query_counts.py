"""List pages cost the same number of queries however many rows they show."""

from __future__ import annotations

from django.urls import reverse

from zoufang.org.tests.factories import (
    PersonnelFactory,
    TeamFactory,
    TeamMemberFactory,
    UnitFactory,
)


def _queries(client, url, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_people_and_team_lists_do_not_grow_with_rows(
    office, people, tree, campaign, client_for, django_assert_max_num_queries
):
    client = client_for(office)
    people_url, teams_url = reverse("org:personnel_list"), reverse("org:team_list")
    before_people = _queries(client, people_url, django_assert_max_num_queries, 20)
    before_teams = _queries(client, teams_url, django_assert_max_num_queries, 20)
    for i in range(15):
        beat = UnitFactory(parent=tree.s2, name=f"新社区{i}")
        co = PersonnelFactory(unit=tree.s2, beat=beat, post="community")
        aux = PersonnelFactory(unit=tree.s2, deployed_to=beat, auxiliary=True)
        team = TeamFactory(campaign=campaign, beat=beat, leader=co)
        TeamMemberFactory(team=team, personnel=co)
        TeamMemberFactory(team=team, personnel=aux)
    assert _queries(client, people_url, django_assert_max_num_queries, 20) == before_people
    assert _queries(client, teams_url, django_assert_max_num_queries, 20) == before_teams
