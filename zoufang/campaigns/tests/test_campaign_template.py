from __future__ import annotations

import datetime as dt
import itertools

import time_machine
from django.utils import timezone

from zoufang.campaigns.models import Campaign, CatalogItem
from zoufang.campaigns.services import campaign_create_from_template, read_template


def test_the_template_file_becomes_catalog_data(campaign):
    template = read_template()
    for group in template["catalog"]:
        # Drives are named for their date (see test_drive_dates): compare their codes.
        field = "code" if group["kind"] == "drive" else "name"
        names = list(campaign.catalog.filter(kind=group["kind"]).values_list(field, flat=True))
        assert names == [item[field] for item in group["items"]]
    assert campaign.catalog.filter(kind=CatalogItem.Kind.TOPIC).count() == 6
    assert campaign.research_departments.count() == len(template["departments"]) == 14
    assert [f.name for f in campaign.forms.order_by("code")] == [
        "走村(社区)走访表",
        "企业门店走访表",
        "城乡住户走访表",
    ]
    assert [p.name for p in campaign.phases.all()] == ["准备实施", "集中走访", "重点深化"]


def test_the_current_phase_follows_the_date(campaign):
    phases = list(campaign.phases.all())
    for phase in phases:
        assert campaign.phase_on(phase.start_date) == phase
        assert campaign.phase_on(phase.end_date) == phase
    assert campaign.phase_on(campaign.start_date - dt.timedelta(days=1)) is None
    with time_machine.travel(dt.datetime.combine(phases[2].start_date, dt.time(9), tzinfo=dt.UTC)):
        assert campaign.phase_on() == phases[2]


def test_phases_cover_the_campaign_without_gaps(campaign):
    phases = list(campaign.phases.all())
    assert phases[0].start_date == campaign.start_date
    assert phases[-1].end_date == campaign.end_date
    for earlier, later in itertools.pairwise(phases):
        assert later.start_date == earlier.end_date + dt.timedelta(days=1)


def test_only_one_campaign_is_current(campaign):
    second = campaign_create_from_template(start_date=timezone.localdate(), code="next-year")
    assert Campaign.objects.current() == second
    assert Campaign.objects.filter(is_current=True).count() == 1


def test_loading_the_template_twice_changes_nothing(campaign):
    before = CatalogItem.objects.count()
    again = campaign_create_from_template(start_date=campaign.start_date)
    assert again == campaign
    assert CatalogItem.objects.count() == before
