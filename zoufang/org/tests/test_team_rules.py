from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from zoufang.org import services
from zoufang.org.models import Team
from zoufang.org.tests.factories import PersonnelFactory


def _codes(team: Team) -> set[str]:
    return {w.code for w in services.team_warnings(team)}


def test_a_bundled_team_with_an_old_hand_and_an_auxiliary_is_compliant(people):
    assert _codes(people.team_a) == set()


def test_a_team_without_an_auxiliary_breaks_jingfu_jiehe(people):
    assert "officer_auxiliary" in _codes(people.team_b)
    assert people.team_b in Team.objects.non_compliant()
    assert people.team_a not in Team.objects.non_compliant()


def test_a_team_of_newcomers_breaks_yilao_daixin(people, tree):
    year = timezone.localdate().year
    for member in people.team_a.members.all():
        member.personnel.year_joined = year - 2
        member.personnel.save()
    assert "experienced" in _codes(people.team_a)


def test_five_years_of_service_is_experienced_enough(people):
    year = timezone.localdate().year
    for member in people.team_a.members.select_related("personnel"):
        member.personnel.year_joined = year - 5 if member.personnel == people.co_a else year - 1
        member.personnel.save()
    assert "experienced" not in _codes(people.team_a)


def test_a_team_needs_exactly_one_community_officer(people, tree):
    services.team_member_remove(team=people.team_a, personnel=people.co_a)
    assert "community_officer" in _codes(people.team_a)


def test_a_person_cannot_be_bundled_into_two_teams(people):
    with pytest.raises(ValidationError, match=r"文峰走访组|already in team"):
        services.team_member_add(team=people.team_b, personnel=people.aux_a)


def test_warnings_show_on_the_team_page_and_in_the_non_compliant_list(
    people, chief_b, office, client_for
):
    page = (
        client_for(chief_b)
        .get(reverse("org:team_detail", args=[people.team_b.pk]))
        .content.decode()
    )
    assert 'data-warning="officer_auxiliary"' in page
    listing = client_for(office).get(reverse("org:team_list") + "?noncompliant=1").content.decode()
    assert "丁庄走访组" in listing
    assert "文峰走访组" not in listing


def test_a_chief_adds_and_removes_members_of_own_station(people, chief_a, client_for, tree):
    newcomer = PersonnelFactory(name="钱辅警", unit=tree.s1, auxiliary=True)
    client = client_for(chief_a)
    url = reverse("org:team_member_add", args=[people.team_a.pk])
    assert client.post(url, {"personnel": newcomer.pk}).status_code == 302
    assert people.team_a.members.filter(personnel=newcomer).exists()
    client.post(reverse("org:team_member_remove", args=[people.team_a.pk, newcomer.pk]))
    assert not people.team_a.members.filter(personnel=newcomer).exists()


def test_a_community_officer_cannot_change_the_team(people, officer_a, client_for, tree):
    newcomer = PersonnelFactory(unit=tree.s1, auxiliary=True)
    url = reverse("org:team_member_add", args=[people.team_a.pk])
    assert client_for(officer_a).post(url, {"personnel": newcomer.pk}).status_code == 403
    assert not people.team_a.members.filter(personnel=newcomer).exists()


def test_a_chief_of_another_station_gets_404_on_the_team(people, chief_b, client_for):
    url = reverse("org:team_member_add", args=[people.team_a.pk])
    assert client_for(chief_b).post(url, {"personnel": people.co_b.pk}).status_code == 404


def test_editing_a_person_outside_the_jurisdiction_is_404(people, chief_b, officer_a, client_for):
    url = reverse("org:personnel_edit", args=[people.co_a.pk])
    assert client_for(chief_b).get(url).status_code == 404
    assert client_for(chief_b).post(url, {"name": "改名"}).status_code == 404
    # Inside the jurisdiction but not a manager: seen, not editable.
    assert client_for(officer_a).get(url).status_code == 403
