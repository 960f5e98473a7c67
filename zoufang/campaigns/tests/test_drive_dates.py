"""The calendar never contradicts itself: the seed's campaign (from 21 June) holds the "6·26"
drive on a day of 集中走访; a campaign run in another month dates its drives inside its own
visiting phase and does not cite 6·26 as happening then."""

from __future__ import annotations

import datetime as dt

from zoufang.campaigns.models import CatalogItem
from zoufang.campaigns.services import campaign_create_from_template


def _drives(campaign):
    return list(campaign.catalog.filter(kind=CatalogItem.Kind.DRIVE).order_by("order"))


def test_the_seed_campaign_holds_the_626_drive_in_concentrated_visiting(db):
    campaign = campaign_create_from_template(start_date=dt.date(2026, 6, 21))
    visiting = campaign.phases.get(kind="visiting")
    anti_drug = _drives(campaign)[0]
    assert anti_drug.name == "“6·26”国际禁毒日"
    assert anti_drug.data["date"] == "2026-06-26"
    assert campaign.phase_on(dt.date(2026, 6, 26)) == visiting
    assert "6·26" in visiting.tasks


def test_a_campaign_in_another_month_dates_its_drives_inside_its_own_window(db):
    campaign = campaign_create_from_template(start_date=dt.date(2026, 11, 23))
    visiting = campaign.phases.get(kind="visiting")
    for drive in _drives(campaign):
        day = dt.date.fromisoformat(drive.data["date"])
        assert visiting.start_date <= day <= visiting.end_date, (drive.name, day)
        assert "6·26" not in drive.name
    assert not any("6·26" in p.tasks for p in campaign.phases.all())
    assert "禁毒集中宣传日" in visiting.tasks
