"""Coverage (底数清): numbers on the page agree with the records at every level, the
unvisited list is one click away and exports, and the queries do not grow with units."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zoufang.core.tests.exports import export_table
from zoufang.org.tests.factories import UnitFactory
from zoufang.registry.tests import factories as reg
from zoufang.visits import selectors
from zoufang.visits.models import OPEN_STATES, Visit, VisitTask
from zoufang.visits.services import tasks_generate
from zoufang.visits.tests.factories import record


def _stat(html: str, name: str) -> int:
    return int(re.search(rf'data-stat="{name}">([\d.]+)', html).group(1))


def _record_mix(tasks, places, officer_a, officer_b):
    d = places.dwellings
    record(
        tasks[d[0].pk],
        officer_a,
        topics=["traffic", "drugs", "criminal", "terrorism", "public-security", "civility"],
        leaflets={"civility": 2},
    )
    record(tasks[d[1].pk], officer_a, outcome="nobody_home")
    record(tasks[d[2].pk], officer_a, outcome="refused")
    record(tasks[d[3].pk], officer_a, outcome="demolished")
    record(tasks[places.shop.pk], officer_a, answers={"satisfaction": "满意"}, topics=["traffic"])
    record(tasks[places.beat_b.pk], officer_b)


def test_coverage_numbers_agree_with_the_records_at_every_level(
    client_for, tasks, places, officer_a, officer_b, office, tree, catalog
):
    _record_mix(tasks, places, officer_a, officer_b)
    c = client_for(office)
    for unit in (tree.city, tree.county_x, tree.s1, tree.beat_a, tree.beat_b):
        html = c.get(reverse("visits:coverage"), {"unit": unit.pk}).content.decode()
        rows = VisitTask.objects.filter(unit_path__startswith=unit.path)
        assert _stat(html, "total") == rows.count(), unit
        for state in ("visited", "retry", "refused", "invalid", "pending"):
            assert _stat(html, state) == rows.filter(state=state).count(), (unit, state)
        # Every state is a task no matter how many calls it took: the parts add up.
        assert (
            sum(_stat(html, s) for s in ("visited", "retry", "refused", "invalid", "pending"))
            == rows.count()
        )


def test_children_rows_add_up_to_the_parent(
    tasks, places, officer_a, officer_b, office, tree, campaign, catalog
):
    _record_mix(tasks, places, officer_a, officer_b)
    own, children = selectors.coverage_children(office, unit=tree.city, campaign=campaign)
    assert [c.unit for c in children] == [tree.county_x, tree.county_y]
    assert sum(c.total.total for c in children) == own.total.total == VisitTask.objects.count()
    assert (
        children[1].total.visited
        == VisitTask.objects.filter(
            unit_path__startswith=tree.county_y.path, state="visited"
        ).count()
    )
    household = own.by_kind["household"]
    assert household.total == VisitTask.objects.filter(kind="household").count()


def test_team_and_person_coverage_credits_every_member(
    tasks, places, officer_a, officer_b, chief_a, tree, campaign, people, catalog
):
    _record_mix(tasks, places, officer_a, officer_b)
    persons = {
        p.personnel.pk: p
        for p in selectors.coverage_by_person(chief_a, unit=tree.s1, campaign=campaign)
    }
    calls = Visit.objects.filter(unit_path__startswith=tree.s1.path).count()
    # The fixture team of beat A has three members and every call credited all of them.
    for member in (people.co_a, people.aux_a, people.desk_a):
        assert persons[member.pk].visits == calls
        assert (
            persons[member.pk].visited
            == Visit.objects.filter(unit_path__startswith=tree.s1.path, outcome="visited").count()
        )
    assert people.co_b.pk not in persons  # outside the station
    teams = {
        r.label: r for r in selectors.coverage_by_team(chief_a, unit=tree.s1, campaign=campaign)
    }
    assert teams["文峰走访组"].total.total == VisitTask.objects.filter(team=people.team_a).count()


def test_compliance_rate_counts_visits_with_every_topic_and_a_leaflet(
    tasks, places, officer_a, officer_b, office, tree, campaign, catalog
):
    _record_mix(tasks, places, officer_a, officer_b)
    comp = selectors.compliance(office, unit=tree.beat_a, campaign=campaign)
    visited = Visit.objects.filter(beat=tree.beat_a, outcome="visited")
    assert comp.visits == visited.count()
    full = visited.filter(topic_count=6, leaflet_count__gt=0).count()
    assert comp.compliant == full
    assert comp.rate == round(100 * full / visited.count(), 1)
    assert comp.leaflets == 2


def _coverage_queries(user, unit, campaign) -> tuple[int, int]:
    """(queries, child rows) of the coverage of `unit`."""
    with CaptureQueriesContext(connection) as queries:
        _own, children = selectors.coverage_children(user, unit=unit, campaign=campaign)
    return len(queries), len(children)


def test_coverage_queries_do_not_grow_with_units(tasks, office, tree, campaign):
    small, small_children = _coverage_queries(office, tree.city, campaign)
    # A bigger city: four more county bureaus, each with a station and a beat of tasks.
    for n in range(4):
        county = UnitFactory(parent=tree.city)
        beat = UnitFactory(parent=UnitFactory(parent=county), beat_kind="community")
        reg.dwelling(beat, road="新区路", number=str(n + 1))
        tasks_generate(campaign=campaign, beat=beat, actor=None)
    big, big_children = _coverage_queries(office, tree.city, campaign)
    assert (small_children, big_children) == (2, 6)
    assert big == small == 2


def test_the_unvisited_list_is_one_click_from_a_beat_and_exports(
    client_for, tasks, places, officer_a, officer_b, chief_a, tree, catalog, campaign
):
    _record_mix(tasks, places, officer_a, officer_b)
    c = client_for(chief_a)
    cov = c.get(reverse("visits:coverage"), {"unit": tree.s1.pk}).content.decode()
    link = reverse("visits:unvisited", args=[tree.beat_a.pk])
    assert link in cov
    open_tasks = VisitTask.objects.filter(beat=tree.beat_a, state__in=OPEN_STATES)
    html = c.get(link).content.decode()
    assert _stat(html, "unvisited") == open_tasks.count()
    assert set(int(x) for x in re.findall(r'data-task="(\d+)"', html)) == set(
        open_tasks.values_list("pk", flat=True)
    )
    response = c.get(link, {"export": "xlsx"})
    rows = export_table(response)
    assert len(rows) - 1 == open_tasks.count()
    assert {r[0] for r in rows[1:]} == set(open_tasks.values_list("address", flat=True))


def test_officer_b_gets_404_for_beat_a_coverage(client_for, officer_b, tasks, tree):
    c = client_for(officer_b)
    assert c.get(reverse("visits:coverage"), {"unit": tree.beat_a.pk}).status_code == 404
    assert c.get(reverse("visits:coverage"), {"unit": tree.s1.pk}).status_code == 404
    assert (
        c.get(reverse("visits:unvisited", args=[tree.beat_a.pk]), {"export": "xlsx"}).status_code
        == 404
    )
    # Their own coverage opens at their beat.
    html = c.get(reverse("visits:coverage")).content.decode()
    assert _stat(html, "total") == VisitTask.objects.filter(beat=tree.beat_b).count()


def test_coverage_moves_when_a_retry_succeeds(
    client_for, tasks, places, officer_a, chief_a, tree, catalog
):
    task = tasks[places.dwellings[0].pk]
    c = client_for(chief_a)
    url = reverse("visits:coverage")
    record(task, officer_a, outcome="nobody_home")
    html = c.get(url, {"unit": tree.beat_a.pk}).content.decode()
    assert (_stat(html, "retry"), _stat(html, "visited")) == (1, 0)
    record(task, officer_a)
    html = c.get(url, {"unit": tree.beat_a.pk}).content.decode()
    assert (_stat(html, "retry"), _stat(html, "visited")) == (0, 1)
