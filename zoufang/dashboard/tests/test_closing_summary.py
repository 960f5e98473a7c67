"""The closing summary (总结): figures equal to direct counts over the raw records, the
published commendation entries of the unit's subtree only, made by the evening run on the
campaign's last day, published only after the end and then frozen, 404 outside the scope,
xlsx with a sheet per section."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone
from python_calamine import CalamineWorkbook

from zoufang.dashboard.models import ClosingSummary
from zoufang.dashboard.summary import closing_summaries, summary_generate, summary_publish
from zoufang.findings.models import OPEN_STATES, Finding
from zoufang.findings.services.create import finding_create
from zoufang.supervision.models import HonourEntry, HonourList
from zoufang.visits.models import Visit, VisitTask
from zoufang.visits.tests.factories import record


def _honour(campaign, kind, state, unit, name):
    lst = HonourList.objects.create(
        campaign=campaign, kind=kind, title=f"{kind} {state}", state=state
    )
    HonourEntry.objects.create(
        honour_list=lst, unit=unit, unit_path=unit.path, name=name, unit_name=unit.name,
        reason="走访全覆盖",
    )  # fmt: skip


@pytest.fixture
def activity(tasks, places, officer_a, officer_b, office, campaign, catalog, tree):
    record(tasks[places.dwellings[0].pk], officer_a)
    record(tasks[places.dwellings[1].pk], officer_a, outcome="nobody_home")
    record(tasks[places.beat_b.pk], officer_b)
    for beat in (tree.beat_a, tree.beat_a, tree.beat_b):
        finding_create(actor=office, kind_code="dispute-neighbour", beat=beat, description="纠纷")
    C, P = HonourList.Kind.COMMEND, HonourList.State.PUBLISHED
    _honour(campaign, C, P, tree.beat_a, "文峰社区走访组")
    _honour(campaign, C, P, tree.beat_b, "丁庄走访组")
    _honour(campaign, C, HonourList.State.DRAFT, tree.beat_a, "未发布的名单")
    _honour(campaign, HonourList.Kind.ACCOUNT, P, tree.beat_a, "问责对象")


@pytest.mark.parametrize("unit", ["city", "county_x", "county_y"])
def test_every_figure_equals_a_direct_count(activity, office, campaign, tree, unit):
    target = getattr(tree, unit)
    s = summary_generate(actor=office, unit=target, campaign=campaign)
    path = target.path
    tasks = VisitTask.objects.filter(unit_path__startswith=path)
    findings = Finding.objects.filter(unit_path__startswith=path)
    covered, found, resolved = s.data["covered"], s.data["found"], s.data["resolved"]
    assert covered["tasks"] == tasks.count()
    assert covered["visited"] == tasks.filter(state="visited").count()
    assert covered["visits"] == Visit.objects.filter(unit_path__startswith=path).count()
    assert found["total"] == findings.count()
    assert resolved["open"] == findings.filter(state__in=OPEN_STATES).count()
    assert resolved["closed"] == findings.filter(state="closed").count()
    names = {c["name"] for c in s.data["commendations"]}
    expected = set(
        HonourEntry.objects.filter(
            unit_path__startswith=path,
            honour_list__kind="commend",
            honour_list__state="published",
        ).values_list("name", flat=True)
    )
    assert names == expected
    assert "未发布的名单" not in names
    assert "问责对象" not in names


def test_a_county_summary_names_only_its_own_commendations(activity, office, campaign, tree):
    s = summary_generate(actor=office, unit=tree.county_x, campaign=campaign)
    assert [c["name"] for c in s.data["commendations"]] == ["文峰社区走访组"]


def test_the_evening_run_makes_them_on_the_last_day_only(campaign, tree):
    assert closing_summaries(day=campaign.end_date - dt.timedelta(days=1)) == []
    with time_machine.travel(
        dt.datetime.combine(campaign.end_date, dt.time(20), tzinfo=dt.UTC), tick=False
    ):
        made = closing_summaries(day=campaign.end_date)
    assert {s.unit for s in made} == {tree.city, tree.county_x, tree.county_y}
    closing_summaries(day=campaign.end_date)
    assert ClosingSummary.objects.count() == 3


def test_it_is_published_only_after_the_end_and_then_frozen(
    activity, office, campaign, tree, tasks, places, officer_a
):
    s = summary_generate(actor=office, unit=tree.county_x, campaign=campaign)
    with pytest.raises(ValidationError):
        summary_publish(summary=s, actor=office, lessons="经验", publish=True)
    after = dt.datetime.combine(campaign.end_date + dt.timedelta(days=1), dt.time(9))
    with time_machine.travel(timezone.make_aware(after), tick=False):
        s = summary_publish(summary=s, actor=office, lessons="一是……二是……", publish=True)
        assert s.is_frozen
        frozen = s.data
        finding_create(
            actor=office, kind_code="dispute-neighbour", beat=tree.beat_a, description="x"
        )
        again = summary_generate(actor=office, unit=tree.county_x, campaign=campaign)
    assert again.pk == s.pk
    assert again.data == frozen
    assert ClosingSummary.objects.get(pk=s.pk).lessons == "一是……二是……"


def test_only_the_office_or_county_publishes(activity, chief_a, office, campaign, tree, client_for):
    s = summary_generate(actor=office, unit=tree.s1, campaign=campaign)
    response = client_for(chief_a).post(
        f"/dashboard/summaries/{s.pk}/publish/", {"action": "save", "lessons": "x"}
    )
    assert response.status_code == 302
    assert ClosingSummary.objects.get(pk=s.pk).lessons == ""


def test_a_summary_out_of_scope_is_404(activity, office, county_admin, campaign, tree, client_for):
    theirs = summary_generate(actor=office, unit=tree.county_y, campaign=campaign)
    c = client_for(county_admin)
    for suffix in ("", "pdf/", "xlsx/"):
        assert c.get(f"/dashboard/summaries/{theirs.pk}/{suffix}").status_code == 404
    assert c.post("/dashboard/summaries/new/", {"unit": tree.county_y.pk}).status_code == 404
    listing = c.get("/dashboard/summaries/").content.decode()
    assert f'data-summary="{theirs.pk}"' not in listing


def test_a_county_admin_makes_and_reads_their_summary(activity, county_admin, tree, client_for):
    c = client_for(county_admin)
    response = c.post("/dashboard/summaries/new/", {"unit": tree.county_x.pk})
    assert response.status_code == 302
    s = ClosingSummary.objects.get(unit=tree.county_x)
    page = c.get(f"/dashboard/summaries/{s.pk}/").content.decode()
    assert "文峰社区走访组" in page
    assert "丁庄走访组" not in page
    assert f'data-figure="coverage">{s.data["covered"]["coverage"]}%' in page
    assert "data-so-far" in page  # the campaign still runs


def test_the_workbook_has_a_sheet_per_section(activity, office, campaign, tree, client_for):
    s = summary_generate(actor=office, unit=tree.city, campaign=campaign)
    response = client_for(office).get(f"/dashboard/summaries/{s.pk}/xlsx/")
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert len(book.sheet_names) == 7
    commend = book.get_sheet_by_index(5).to_python()
    assert sorted(r[1] for r in commend[1:]) == sorted(c["name"] for c in s.data["commendations"])
