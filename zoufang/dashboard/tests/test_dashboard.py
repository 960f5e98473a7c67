"""The command dashboard: every figure on the page equals a count over the raw records, each
unit's page only for users who see it (404 otherwise, for the page and every export), a page
cost that does not grow with the records, xlsx per figure, and the panel slots."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from zoufang.core.tests.exports import export_table
from zoufang.dashboard import panels
from zoufang.findings.models import OPEN_STATES, Finding
from zoufang.findings.services.create import finding_create
from zoufang.findings.services.workflow import finding_transition
from zoufang.visits.models import Visit, VisitTask
from zoufang.visits.tests.factories import record

FIGURES = ["coverage", "daily", "findings_kind", "findings_grade", "findings_state", "publicity"]


def _figure(page: str, name: str) -> str:
    m = re.search(rf'data-figure="{name}">\s*([^<]+)<', page)
    assert m, name
    return m.group(1).strip()


@pytest.fixture
def activity(tasks, places, officer_a, officer_b, office, catalog, tree):
    """Visits in beats A and B; findings raised, one supervised, one overdue."""
    record(tasks[places.dwellings[0].pk], officer_a)
    record(tasks[places.dwellings[1].pk], officer_a, outcome="nobody_home")
    record(tasks[places.shop.pk], officer_a, topics=["traffic"], leaflets={"civility": 2})
    record(tasks[places.beat_b.pk], officer_b)
    raised = [
        finding_create(
            actor=office, kind_code="dispute-neighbour", beat=beat, description="邻里纠纷"
        ).finding
        for beat in (tree.beat_a, tree.beat_a, tree.beat_b)
    ]
    finding_transition(finding=raised[0], actor=office, action="supervise", version=None)
    from zoufang.findings.services.sweep import findings_sweep

    Finding.objects.filter(pk=raised[1].pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    findings_sweep()
    return raised


def _direct(path: str) -> dict[str, str]:
    tasks = VisitTask.objects.filter(unit_path__startswith=path)
    visited = tasks.filter(state="visited").count()
    findings = Finding.objects.filter(unit_path__startswith=path)
    today = timezone.localdate()
    visits_today = sum(
        1
        for v in Visit.objects.filter(unit_path__startswith=path)
        if timezone.localtime(v.started_at).date() == today
    )
    return {
        "coverage": f"{round(100 * visited / tasks.count(), 1)}%",
        "visits-today": str(visits_today),
        "open": str(findings.filter(state__in=OPEN_STATES).count()),
        "overdue": str(findings.filter(state__in=OPEN_STATES, is_overdue=True).count()),
        "supervised": str(findings.filter(supervised=True).count()),
    }


@pytest.mark.parametrize(
    ("role", "unit"),
    [("leader", "city"), ("office", "county_x"), ("county_admin", "county_x"), ("chief_a", "s1")],
)
def test_every_headline_figure_equals_a_direct_count(
    role, unit, request, activity, tree, client_for
):
    target = getattr(tree, unit)
    page = client_for(request.getfixturevalue(role)).get("/", {"unit": target.pk})
    assert page.status_code == 200
    text = page.content.decode()
    expected = _direct(target.path)
    assert {k: _figure(text, k) for k in expected} == expected
    assert expected["overdue"] == "1"  # the overdue finding lies in beat A, under each of them


def test_the_city_ranks_its_counties_and_drills_down(leader, activity, tree, client_for):
    page = client_for(leader).get("/", {"rank": "overdue"}).content.decode()
    rows = re.findall(r'<tr data-unit="(\d+)">', page)
    assert rows == [tree.county_x.code, tree.county_y.code]  # X has the overdue finding
    assert f'href="?unit={tree.county_x.pk}"' in page


@pytest.mark.parametrize(
    ("role", "unit"),
    [
        ("county_admin", "county_y"),
        ("county_admin", "city"),
        ("chief_a", "county_x"),
        ("chief_a", "beat_b"),
        ("chief_b", "s1"),
    ],
)
def test_a_unit_out_of_scope_is_404_for_the_page_and_every_export(
    role, unit, request, activity, tree, client_for
):
    client = client_for(request.getfixturevalue(role))
    target = getattr(tree, unit)
    assert client.get("/dashboard/", {"unit": target.pk}).status_code == 404
    assert client.get("/", {"unit": target.pk}).status_code == 404
    for key in [*FIGURES, "ranking", "compare"]:
        r = client.get("/dashboard/", {"unit": target.pk, "export": key})
        assert r.status_code == 404, key


@pytest.mark.parametrize("role", ["officer_a", "member_a", "researcher"])
def test_roles_that_do_not_steer_have_no_dashboard(role, request, tree, client_for):
    client = client_for(request.getfixturevalue(role))
    assert client.get("/dashboard/").status_code == 404
    assert client.get("/dashboard/", {"unit": tree.beat_a.pk, "export": "daily"}).status_code == 404


def test_a_figure_downloads_as_xlsx_with_the_counts(county_admin, activity, tree, client_for):
    r = client_for(county_admin).get("/dashboard/", {"export": "coverage"})
    assert r.status_code == 200
    sheet = export_table(r)
    by_kind = {row[0]: row[1:3] for row in sheet[1:]}
    tasks = VisitTask.objects.filter(unit_path__startswith=tree.county_x.path, kind="household")
    assert by_kind["入户走访"] == [tasks.count(), tasks.filter(state="visited").count()]


def test_an_unknown_figure_is_404(office, campaign, tree, client_for):
    assert client_for(office).get("/dashboard/", {"export": "nope"}).status_code == 404


def test_the_page_does_not_grow_with_the_records(
    office, activity, tasks, places, officer_a, tree, client_for, django_assert_max_num_queries
):
    client = client_for(office)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        client.get("/", {"unit": tree.county_x.pk})
    for dwelling in places.dwellings[2:]:
        record(tasks[dwelling.pk], officer_a)
    for _ in range(5):
        finding_create(
            actor=office, kind_code="hazard-fire", beat=tree.beat_a, description="楼道堆放杂物"
        )
    with django_assert_max_num_queries(len(before.captured_queries)):
        page = client.get("/", {"unit": tree.county_x.pk}).content.decode()
    assert _figure(page, "open") == _direct(tree.county_x.path)["open"]


def test_a_panel_fills_its_slot_and_sees_the_unit(office, campaign, tree, client_for, monkeypatch):
    monkeypatch.setattr(panels, "_registry", [])
    monkeypatch.setattr(panels, "_discovered", True)
    panels.register(
        {
            "slot": "supervision",
            "title": "巡查",
            "template": "dashboard/_panel.html",
            "context": lambda user, unit, campaign: {"rows": [("flags in", unit.name, "")]},
        }
    )
    page = client_for(office).get("/", {"unit": tree.county_y.pk}).content.decode()
    assert 'data-slot="supervision"' in page
    assert "flags in" in page
    assert "<span>建安分局</span>" in page
    with pytest.raises(ValueError, match="unknown dashboard slot"):
        panels.register({"slot": "nope", "title": "", "template": "", "context": lambda *a: {}})
