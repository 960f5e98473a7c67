from __future__ import annotations

from django.urls import reverse

from zoufang.core.roles import Role
from zoufang.notifications.models import Notification
from zoufang.notifications.services import notify, unread_count
from zoufang.org.tests.factories import UserFactory


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


def test_read_all(tree, chief_a, chief_b, client_for):
    notify(kind="test", title="a", users=[chief_a, chief_b])
    notify(kind="test", title="b", users=[chief_a])
    client_for(chief_a).post(reverse("notifications:read_all"))
    assert unread_count(chief_a) == 0
    assert unread_count(chief_b) == 1  # only the reader's own


def test_a_unit_notice_skips_the_users_there_who_do_not_manage_it(tree, chief_a):
    clerk = UserFactory(username="clerk_s1", role=Role.TEAM_MEMBER, unit=tree.s1)
    assert notify(kind="test", title="所长看", unit=tree.s1) == 1
    assert unread_count(chief_a) == 1
    assert unread_count(clerk) == 0
    assert notify(kind="test", title="都看", unit=tree.s1, managers_only=False) == 2
    assert unread_count(clerk) == 1


def test_opening_never_follows_a_link_to_another_site(tree, chief_a, client_for):
    notify(kind="test", title="外链", url="https://example.com/phish", users=[chief_a])
    note = Notification.objects.get(user=chief_a)
    r = client_for(chief_a).post(reverse("notifications:open", args=[note.pk]))
    assert r.status_code == 302
    assert r.url == reverse("notifications:list")
    assert unread_count(chief_a) == 0
