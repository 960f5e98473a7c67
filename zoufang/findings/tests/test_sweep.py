"""The overdue sweep with a frozen clock: overdue → notify owner and parent; escalate later."""

from __future__ import annotations

import datetime as dt

import time_machine

from zoufang.findings.models import Finding, State
from zoufang.findings.tasks import findings_sweep_task
from zoufang.notifications.models import Notification

START = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)


def test_nothing_happens_before_the_deadline(raise_finding, officer_a, chief_a, county_admin):
    with time_machine.travel(START, tick=False):
        f = raise_finding(officer_a)
    with time_machine.travel(START + dt.timedelta(days=6, hours=23), tick=False):
        result = findings_sweep_task.delay().get()
    assert result["overdue"] == 0
    assert not Finding.objects.get(pk=f.pk).is_overdue


def test_past_the_deadline_it_is_overdue_and_owner_and_parent_are_notified(
    raise_finding, officer_a, chief_a, county_admin, chief_b
):
    with time_machine.travel(START, tick=False):
        f = raise_finding(officer_a)
    Notification.objects.all().delete()
    with time_machine.travel(START + dt.timedelta(days=7, minutes=1), tick=False):
        result = findings_sweep_task.delay().get()
        again = findings_sweep_task.delay().get()
    f.refresh_from_db()
    assert f.is_overdue
    assert f.was_overdue
    assert result["overdue"] == 1
    assert again["overdue"] == 0  # once only
    notified = set(
        Notification.objects.filter(kind="finding.overdue").values_list("user__username", flat=True)
    )
    assert notified == {"chief_a", "county_admin"}  # the station and its county bureau
    assert f.transitions.filter(action="overdue").count() == 1


def test_after_the_second_deadline_it_is_escalated(
    raise_finding, officer_a, chief_a, county_admin, tree
):
    with time_machine.travel(START, tick=False):
        f = raise_finding(officer_a)
    # general: 7 days, then 3 more before escalation
    with time_machine.travel(START + dt.timedelta(days=9, hours=23), tick=False):
        assert findings_sweep_task.delay().get()["escalated"] == 0
    with time_machine.travel(START + dt.timedelta(days=10, minutes=1), tick=False):
        assert findings_sweep_task.delay().get()["escalated"] == 1
    f.refresh_from_db()
    assert (f.state, f.owner_unit) == (State.ESCALATED, tree.county_x)
    row = f.transitions.get(action="escalate")
    assert row.actor is None
    assert Notification.objects.filter(user=county_admin, kind="finding.escalate").exists()


def test_a_resolved_finding_is_not_swept(raise_finding, resolve, officer_a, chief_a):
    with time_machine.travel(START, tick=False):
        f = raise_finding(officer_a)
        resolve(f, chief_a, officer_a)
    with time_machine.travel(START + dt.timedelta(days=30), tick=False):
        result = findings_sweep_task.delay().get()
    assert result == {"overdue": 0, "escalated": 0, "notified": 0}


def test_escalation_stops_at_the_city(raise_finding, officer_a, tree):
    with time_machine.travel(START, tick=False):
        f = raise_finding(officer_a, grade="major")
    assert f.owner_unit == tree.city
    with time_machine.travel(START + dt.timedelta(days=5), tick=False):
        result = findings_sweep_task.delay().get()
    f.refresh_from_db()
    assert result["escalated"] == 0
    assert f.owner_unit == tree.city
    assert f.escalate_at is None


def test_on_time_is_judged_against_the_deadline(raise_finding, resolve, officer_a, chief_a):
    from zoufang.findings.selectors import finding_stats

    with time_machine.travel(START, tick=False):
        late = raise_finding(officer_a, description="晚了的那件事")
        ok = raise_finding(officer_a, description="完全不同的另一件事情")
    with time_machine.travel(START + dt.timedelta(days=8), tick=False):
        findings_sweep_task.delay().get()
        resolve(late, chief_a, officer_a)
    late.refresh_from_db()
    assert late.deadline == START + dt.timedelta(days=7)
    assert late.resolved_at == START + dt.timedelta(days=8)
    assert late.was_overdue
    assert not Finding.objects.get(pk=ok.pk).resolved_at
    rows = finding_stats(chief_a, [officer_a.unit])
    assert rows[0].raised == 2
    assert rows[0].resolved == 1
    assert rows[0].on_time == 0


def test_a_finding_reopened_after_its_deadline_is_swept_again(
    raise_finding, act, resolve, officer_a, chief_a
):
    with time_machine.travel(START, tick=False):
        f = raise_finding(officer_a)
        resolve(f, chief_a, officer_a)
    with time_machine.travel(START + dt.timedelta(days=9), tick=False):
        act(f, officer_a, "follow_up", satisfied=False, comment="群众不满意")
        assert findings_sweep_task.delay().get()["overdue"] == 1
    f.refresh_from_db()
    assert f.state == State.IN_PROGRESS
    assert f.is_overdue
