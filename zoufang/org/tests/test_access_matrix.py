"""Every role against every org page and API endpoint: what it sees, and 404 outside it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from zoufang.core.tests.exports import export_table

# What each member of the cast may see, by name (see the root conftest for the tree).
ALL_UNITS = {
    "许昌市公安局",
    "魏都分局",
    "建安分局",
    "西大街派出所",
    "尚集派出所",
    "文峰社区",
    "七里店社区",
    "丁庄村",
}
ALL_PEOPLE = {"张社区", "李辅警", "王机关", "赵社区", "孙所长"}
ALL_TEAMS = {"文峰走访组", "丁庄走访组"}
EXPECTED = {
    "office": (ALL_UNITS, ALL_PEOPLE, ALL_TEAMS),
    "leader": (ALL_UNITS, ALL_PEOPLE, ALL_TEAMS),
    "supervisor": (ALL_UNITS, ALL_PEOPLE, ALL_TEAMS),
    "county_admin": (
        {"魏都分局", "西大街派出所", "文峰社区", "七里店社区"},
        {"张社区", "李辅警", "王机关", "孙所长"},
        {"文峰走访组"},
    ),
    "chief_a": (
        {"西大街派出所", "文峰社区", "七里店社区"},
        {"张社区", "李辅警", "王机关", "孙所长"},
        {"文峰走访组"},
    ),
    "officer_a": ({"文峰社区"}, {"张社区", "李辅警", "王机关"}, {"文峰走访组"}),
    "member_a": ({"文峰社区"}, {"张社区", "李辅警", "王机关"}, {"文峰走访组"}),
    "officer_b": ({"丁庄村"}, {"赵社区"}, {"丁庄走访组"}),
    "chief_b": ({"尚集派出所", "丁庄村"}, {"赵社区"}, {"丁庄走访组"}),
    "researcher": (set(), set(), set()),
}
ROLES = sorted(EXPECTED)


@pytest.fixture
def cast(request, people):
    """Resolve a role name from EXPECTED to the user fixture of the same name."""
    return lambda name: request.getfixturevalue(name)


def _names(rows) -> set[str]:
    return {r["name"] for r in rows}


@pytest.mark.parametrize("role", ROLES)
def test_api_lists_show_exactly_the_users_subtree(role, cast, client_for):
    client = client_for(cast(role))
    units, people, teams = EXPECTED[role]
    assert _names(client.get("/api/v1/units?limit=100").json()["items"]) == units
    assert _names(client.get("/api/v1/people?limit=100").json()["items"]) == people
    assert _names(client.get("/api/v1/teams?limit=100").json()["items"]) == teams


@pytest.mark.parametrize("role", ROLES)
def test_api_details_are_404_outside_the_subtree(role, cast, client_for, tree, people):
    client = client_for(cast(role))
    units, persons, teams = EXPECTED[role]
    for unit in [tree.city, tree.county_x, tree.s1, tree.beat_a, tree.beat_b, tree.s2]:
        status = client.get(f"/api/v1/units/{unit.pk}").status_code
        assert status == (200 if unit.name in units else 404), unit.name
    for person in [people.co_a, people.aux_a, people.co_b, people.chief_a]:
        response = client.get(f"/api/v1/people/{person.pk}")
        assert response.status_code == (200 if person.name in persons else 404), person.name
        if response.status_code == 404:
            assert response.json() == {"detail": response.json()["detail"], "code": "not_found"}
    for team in [people.team_a, people.team_b]:
        assert client.get(f"/api/v1/teams/{team.pk}").status_code == (
            200 if team.name in teams else 404
        )


@pytest.mark.parametrize("role", ROLES)
def test_pages_show_the_subtree_and_404_outside(role, cast, client_for, tree, people):
    client = client_for(cast(role))
    units, persons, teams = EXPECTED[role]
    listing = client.get(reverse("org:personnel_list")).content.decode()
    for name in ALL_PEOPLE:
        assert (name in listing) == (name in persons), name
    team_page = client.get(reverse("org:team_list")).content.decode()
    for name in ALL_TEAMS:
        assert (name in team_page) == (name in teams), name
    for unit in [tree.city, tree.county_x, tree.s1, tree.beat_a, tree.beat_b]:
        expected = 200 if unit.name in units else 404
        assert client.get(reverse("org:unit_detail", args=[unit.pk])).status_code == expected
        assert client.get(reverse("org:unit_children", args=[unit.pk])).status_code == expected
    for person in [people.co_a, people.co_b]:
        expected = 200 if person.name in persons else 404
        assert client.get(reverse("org:personnel_detail", args=[person.pk])).status_code == expected
    for team in [people.team_a, people.team_b]:
        expected = 200 if team.name in teams else 404
        assert client.get(reverse("org:team_detail", args=[team.pk])).status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_exports_hold_only_the_subtree(role, cast, client_for):

    client = client_for(cast(role))
    _, persons, teams = EXPECTED[role]
    for url, expected in [
        (reverse("org:personnel_list") + "?export=xlsx", persons),
        (reverse("org:team_list") + "?export=xlsx", teams),
    ]:
        response = client.get(url)
        assert response.status_code == 200
        assert {row[0] for row in export_table(response)[1:]} == expected


def test_unit_tree_starts_at_the_users_anchor(county_admin, office, researcher, client_for):
    assert "魏都分局" in client_for(county_admin).get(reverse("org:unit_tree")).content.decode()
    assert "建安分局" not in client_for(county_admin).get(reverse("org:unit_tree")).content.decode()
    assert "许昌市公安局" in client_for(office).get(reverse("org:unit_tree")).content.decode()
    assert (
        "许昌市公安局" not in client_for(researcher).get(reverse("org:unit_tree")).content.decode()
    )


def test_filtering_by_a_unit_outside_scope_is_404(officer_a, tree, client_for):
    client = client_for(officer_a)
    assert client.get(reverse("org:personnel_list") + f"?unit={tree.beat_b.pk}").status_code == 404
    assert client.get(f"/api/v1/people?unit={tree.beat_b.pk}").status_code == 404


def test_anonymous_users_are_sent_to_login_and_the_api_says_401(client, people):
    response = client.get(reverse("org:personnel_list"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
    api = client.get("/api/v1/people")
    assert api.status_code == 401
    assert api.json()["code"] == "unauthenticated"
