from __future__ import annotations

from django.urls import reverse

from zoufang.notifications.models import Notification
from zoufang.notifications.services import notify, unread_count


def test_notify_a_unit_reaches_its_managers_once(tree, chief_a, officer_a):
    n = notify(kind="test", title="测试", unit=tree.s1, users=[chief_a])
    assert n == 1
    assert unread_count(chief_a) == 1
    assert unread_count(officer_a) == 0


def test_the_bell_shows_the_unread_count(tree, chief_a, client_for):
    notify(kind="test", title="第一条", users=[chief_a])
    notify(kind="test", title="第二条", users=[chief_a])
    body = client_for(chief_a).get(reverse("home")).content.decode()
    assert 'data-unread="2"' in body


def test_opening_marks_read_and_follows_the_link(tree, chief_a, client_for):
    notify(kind="test", title="去看看", url="/findings/", users=[chief_a])
    note = Notification.objects.get(user=chief_a)
    r = client_for(chief_a).post(reverse("notifications:open", args=[note.pk]))
    assert r.status_code == 302
    assert r.url == "/findings/"
    assert unread_count(chief_a) == 0


def test_someone_elses_notification_is_404(tree, chief_a, chief_b, client_for):
    notify(kind="test", title="私人", users=[chief_a])
    note = Notification.objects.get(user=chief_a)
    assert (
        client_for(chief_b).post(reverse("notifications:open", args=[note.pk])).status_code == 404
    )
    assert "私人" not in client_for(chief_b).get(reverse("notifications:list")).content.decode()


def test_read_all(tree, chief_a, client_for):
    notify(kind="test", title="a", users=[chief_a])
    client_for(chief_a).post(reverse("notifications:read_all"))
    assert unread_count(chief_a) == 0
