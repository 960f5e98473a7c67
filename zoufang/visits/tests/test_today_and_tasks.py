"""A team member's today list, appointments, and a beat's task list with its buttons."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from zoufang.org.tests.factories import TeamFactory
from zoufang.registry.tests import factories as reg
from zoufang.visits.models import OPEN_STATES, TaskEvent, VisitTask
from zoufang.visits.services import task_schedule
from zoufang.visits.tests.factories import record


def _order(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'data-task="(\d+)"', html)]


def test_today_lists_appointments_by_time_then_the_rest_by_address(
    client_for, member_a, tasks, places
):
    today = timezone.localdate()
    late = tasks[places.dwellings[1].pk]
    early = tasks[places.dwellings[3].pk]
    tomorrow = tasks[places.dwellings[2].pk]
    task_schedule(task=late, actor=member_a, date=today, start=dt.time(19), end=dt.time(20))
    task_schedule(task=early, actor=member_a, date=today, start=dt.time(9), end=dt.time(10))
    task_schedule(task=tomorrow, actor=member_a, date=today + dt.timedelta(days=1))
    html = client_for(member_a).get(reverse("visits:today")).content.decode()
    order = _order(html)
    assert order[:2] == [early.pk, late.pk]
    assert tomorrow.pk not in order
    rest = list(
        VisitTask.objects.filter(team=early.team, state="pending")
        .exclude(pk__in=[early.pk, late.pk, tomorrow.pk])
        .order_by("sort_key", "pk")
        .values_list("pk", flat=True)
    )
    assert order[2:] == rest


def _rows(html: str) -> dict[int, str]:
    """Each task's row of a list page, by task id."""
    parts = re.split(r'(?=data-task="\d+")', html)[1:]
    return {int(re.match(r'data-task="(\d+)"', p).group(1)): p for p in parts}


def test_a_nobody_home_task_stays_on_the_list_flagged(
    client_for, member_a, officer_a, household_task
):
    record(household_task, officer_a, outcome="nobody_home")
    rows = _rows(client_for(member_a).get(reverse("visits:today")).content.decode())
    flag = 'class="badge text-bg-warning"'
    assert flag in rows[household_task.pk]
    assert [pk for pk, row in rows.items() if flag in row] == [household_task.pk]


def test_a_user_without_a_team_is_sent_to_coverage(client_for, chief_a, tasks):
    response = client_for(chief_a).get(reverse("visits:today"))
    assert response.status_code == 302
    assert response["Location"] == reverse("visits:coverage")


def test_scheduling_checks_the_window_and_keeps_history(household_task, member_a):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        task_schedule(
            task=household_task, actor=member_a, date=today, start=dt.time(20), end=dt.time(19)
        )
    assert "end" in exc.value.message_dict
    with pytest.raises(ValidationError):
        task_schedule(task=household_task, actor=member_a, date=today - dt.timedelta(days=1))
    task_schedule(
        task=household_task,
        actor=member_a,
        date=today,
        start=dt.time(19),
        end=dt.time(20, 30),
        method="staggered",
    )
    assert TaskEvent.objects.filter(task=household_task, action="schedule").exists()
    assert TaskEvent.objects.filter(task=household_task, action="method", new="staggered").exists()


def test_the_appointment_form_on_the_task_page(client_for, member_a, household_task):
    c = client_for(member_a)
    url = reverse("visits:task_detail", args=[household_task.pk])
    day = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    response = c.post(
        url,
        {
            "appointment_date": day,
            "appointment_start": "19:00",
            "appointment_end": "18:00",
            "method": "extended",
        },
    )
    assert response.status_code == 422
    assert 'value="19:00"' in response.content.decode()
    c.post(
        url,
        {
            "appointment_date": day,
            "appointment_start": "19:00",
            "appointment_end": "20:00",
            "method": "extended",
        },
    )
    household_task.refresh_from_db()
    assert household_task.appointment_date.isoformat() == day
    assert household_task.method == "extended"


def test_the_chief_generates_tasks_with_the_button(client_for, chief_a, tasks, tree):
    reg.dwelling(tree.beat_a, road="文峰路", number="99")
    before = VisitTask.objects.filter(beat=tree.beat_a).count()
    c = client_for(chief_a)
    page = c.get(reverse("visits:beat_tasks", args=[tree.beat_a.pk])).content.decode()
    assert 'data-new-places="1"' in page
    c.post(reverse("visits:generate", args=[tree.beat_a.pk]))
    assert VisitTask.objects.filter(beat=tree.beat_a).count() == before + 1


def test_a_team_member_has_no_generate_button(client_for, member_a, chief_a, tasks, tree):
    page = reverse("visits:beat_tasks", args=[tree.beat_a.pk])
    button = f'action="{reverse("visits:generate", args=[tree.beat_a.pk])}"'
    assert button in client_for(chief_a).get(page).content.decode()
    response = client_for(member_a).get(page)
    assert response.status_code == 200
    assert button not in response.content.decode()


def test_a_team_member_cannot_generate_by_posting(client_for, member_a, tasks, tree):
    before = VisitTask.objects.count()
    reg.dwelling(tree.beat_a, road="文峰路", number="99")
    c = client_for(member_a)
    assert c.post(reverse("visits:generate", args=[tree.beat_a.pk])).status_code == 403
    assert VisitTask.objects.count() == before


def test_the_chief_reassigns_a_whole_batch(client_for, chief_a, tasks, tree, campaign, places):
    second = TeamFactory(campaign=campaign, beat=tree.beat_a, name="文峰二组")
    batch = tasks[places.dwellings[0].pk].batch
    client_for(chief_a).post(
        reverse("visits:reassign", args=[tree.beat_a.pk]),
        {"team": second.pk, "batch": batch, "reason": "均衡"},
    )
    moved = VisitTask.objects.filter(beat=tree.beat_a, batch=batch)
    assert moved.count() == 3
    assert set(moved.values_list("team_id", flat=True)) == {second.pk}


def test_task_list_filters_by_state(client_for, officer_a, tasks, household_task):
    record(household_task, officer_a, outcome="refused")
    c = client_for(officer_a)
    url = reverse("visits:beat_tasks", args=[household_task.beat_id])
    html = c.get(url, {"state": "refused"}).content.decode()
    assert _order(html) == [household_task.pk]
    partial = c.get(url, {"state": "open"}, HTTP_HX_REQUEST="true").content.decode()
    assert '<nav class="navbar' not in partial
    open_tasks = VisitTask.objects.filter(beat_id=household_task.beat_id, state__in=OPEN_STATES)
    assert _order(partial) == list(
        open_tasks.order_by("sort_key", "pk").values_list("pk", flat=True)
    )
    assert household_task.pk not in _order(partial)


def test_officer_b_gets_404_for_beat_a_pages(client_for, officer_b, tasks, tree):
    c = client_for(officer_b)
    for name in ("visits:beat_tasks", "visits:unvisited"):
        assert c.get(reverse(name, args=[tree.beat_a.pk])).status_code == 404
    for name in ("visits:generate", "visits:reassign"):
        assert c.post(reverse(name, args=[tree.beat_a.pk])).status_code == 404
