"""request.campaign(): looked up only when a page asks, and once per request."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse


def _campaign_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return sum('FROM "campaigns_campaign"' in q["sql"] for q in ctx.captured_queries)


def test_a_request_that_does_not_ask_costs_no_campaign_query(campaign, office, client_for):
    assert _campaign_queries(client_for(office), "/api/v1/me") == 0


def test_the_team_page_and_its_header_share_one_lookup(campaign, people, office, client_for):
    assert _campaign_queries(client_for(office), reverse("org:team_list")) == 1
