"""The phone reports its queue; the chief sees who has held records for over a day."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from zoufang.offline.models import QueueReport


def _report(client, **body):
    return client.post("/api/v1/offline/queue", body, content_type="application/json")


def test_it_needs_a_login(client):
    assert _report(client, pending=1).status_code == 401


def test_the_last_report_wins(client_for, member_a):
    c = client_for(member_a)
    oldest = timezone.now() - dt.timedelta(hours=30)
    assert _report(c, pending=3, oldest_at=oldest.isoformat()).status_code == 200
    assert _report(c, pending=2, oldest_at=oldest.isoformat()).status_code == 200
    row = QueueReport.objects.get()
    assert row.user == member_a
    assert row.pending == 2
    assert abs(row.oldest_at - oldest) < dt.timedelta(seconds=1)
    assert row.unit_path == member_a.unit.path
    assert _report(c, pending=0, oldest_at=oldest.isoformat()).status_code == 200
    row.refresh_from_db()
    assert row.pending == 0
    assert row.oldest_at is None


def test_a_clock_running_ahead_is_read_as_now(client_for, member_a):
    ahead = timezone.now() + dt.timedelta(days=3)
    _report(client_for(member_a), pending=1, oldest_at=ahead.isoformat())
    assert QueueReport.objects.get().oldest_at <= timezone.now()


def test_bad_input_is_refused(client_for, member_a):
    c = client_for(member_a)
    assert _report(c, pending=-1).status_code == 422
    assert _report(c, pending=1, oldest_at="yesterday").status_code == 422
    assert QueueReport.objects.count() == 0


def _stale(user, *, hours: float, pending: int = 2) -> None:
    now = timezone.now()
    QueueReport.objects.create(
        user=user,
        unit_path=user.unit.path,
        pending=pending,
        oldest_at=now - dt.timedelta(hours=hours),
        reported_at=now,
    )


def test_the_chief_sees_members_with_records_unsent_for_over_a_day(
    client_for, chief_a, member_a, officer_a
):
    _stale(member_a, hours=30, pending=4)
    _stale(officer_a, hours=5)  # waiting, but not for a day
    body = client_for(chief_a).get("/org/teams/").content.decode()
    assert f'data-stale-user="{member_a.pk}"' in body
    assert f'data-stale-user="{officer_a.pk}"' not in body
    assert member_a.display_name in body


def test_an_empty_queue_is_not_listed(client_for, chief_a, member_a):
    _stale(member_a, hours=50, pending=0)
    assert 'id="stale-queues"' not in client_for(chief_a).get("/org/teams/").content.decode()


def test_another_stations_chief_does_not_see_them(client_for, chief_b, member_a):
    _stale(member_a, hours=30)
    body = client_for(chief_b).get("/org/teams/").content.decode()
    assert 'id="stale-queues"' not in body
    assert f'data-stale-user="{member_a.pk}"' not in body
