"""Team lists, the team API and the unit page show the current campaign's teams only (org
asks for it through request.campaign(), from campaigns' middleware)."""

from __future__ import annotations

from django.urls import reverse

from zoufang.campaigns.tests.factories import CampaignFactory
from zoufang.org.tests.factories import TeamFactory


def test_teams_of_an_earlier_campaign_are_left_out(people, tree, office, client_for):
    earlier = CampaignFactory(is_current=False)
    TeamFactory(campaign=earlier, beat=tree.beat_a, name="去年走访组")
    client = client_for(office)
    page = client.get(reverse("org:team_list")).content.decode()
    assert "文峰走访组" in page
    assert "去年走访组" not in page
    api = client.get("/api/v1/teams?limit=100").json()["items"]
    assert {t["name"] for t in api} == {"文峰走访组", "丁庄走访组"}
    unit_page = client.get(reverse("org:unit_detail", args=[tree.beat_a.pk]))
    assert unit_page.context["team_count"] == 1
