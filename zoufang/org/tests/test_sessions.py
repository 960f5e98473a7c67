"""Sessions that end (idle and absolute timeouts), a form that survives the re-login, and
every session and token of a user ended on disable, role change or password change."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.test import Client
from django.urls import reverse

from zoufang.core.roles import Role
from zoufang.org import services
from zoufang.org.models import ApiToken, Personnel
from zoufang.org.tests.otp import two_step_login


def _at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def _now() -> dt.datetime:
    return dt.datetime.now(tz=dt.UTC)


def test_an_idle_session_ends_after_the_idle_timeout(officer_a, settings):
    start = _now()
    client = Client()
    with _at(start):
        two_step_login(client, "officer_a")
    idle = dt.timedelta(minutes=settings.SESSION_IDLE_MINUTES)
    with _at(start + idle - dt.timedelta(minutes=1)):
        assert client.get(reverse("home")).status_code == 200
    # Active a moment ago: the clock restarted.
    with _at(start + 2 * idle - dt.timedelta(minutes=2)):
        assert client.get(reverse("home")).status_code == 200
    with _at(start + 3 * idle):
        response = client.get(reverse("home"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        assert "_auth_user_id" not in client.session


def test_a_busy_session_still_ends_after_the_absolute_timeout(officer_a, settings):
    start = _now()
    client = Client()
    with _at(start):
        two_step_login(client, "officer_a")
    step = dt.timedelta(minutes=settings.SESSION_IDLE_MINUTES - 5)
    moment = start
    while moment + step < start + dt.timedelta(hours=settings.SESSION_MAX_HOURS):
        moment += step
        with _at(moment):
            assert client.get(reverse("home")).status_code == 200
    with _at(start + dt.timedelta(hours=settings.SESSION_MAX_HOURS, minutes=1)):
        assert client.get(reverse("home")).status_code == 302


def _person_form(people) -> dict:
    return {
        "name": "过期后提交",
        "kind": "officer",
        "post": "station",
        "police_number": "654321",
        "phone": "13700000000",
        "unit": people.co_a.unit_id,
        "year_joined": 2015,
        "is_active": "on",
    }


def test_a_form_posted_after_expiry_is_kept_and_sent_after_the_login(office, people, settings):
    start = _now()
    client = Client(enforce_csrf_checks=True)
    with _at(start):
        client.get(reverse("login"))
        two_step_login(client, "office")
        client.get(reverse("org:personnel_create"))
        csrf = client.cookies["csrftoken"].value
    later = start + dt.timedelta(minutes=settings.SESSION_IDLE_MINUTES + 1)
    with _at(later):
        posted = client.post(
            reverse("org:personnel_create"),
            {**_person_form(people), "csrfmiddlewaretoken": csrf},
        )
        assert posted.status_code == 302
        assert posted["Location"].startswith(reverse("login"))
        assert not Personnel.objects.filter(name="过期后提交").exists()
        assert "过期后提交" not in str(dict(client.session))  # signed and compressed
    with _at(later + dt.timedelta(minutes=1)):
        back = two_step_login(client, "office")
        assert back["Location"] == reverse("account_resume")
        page = client.get(reverse("account_resume")).content.decode()
        assert 'value="过期后提交"' in page
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))
        assert fields["csrfmiddlewaretoken"] != csrf  # a fresh token for the fresh session
        sent = client.post(reverse("org:personnel_create"), fields)
        assert sent.status_code == 302
        assert Personnel.objects.filter(name="过期后提交").exists()


def test_a_kept_form_is_not_offered_to_another_user(office, leader, people, settings):
    start = _now()
    client = Client()
    with _at(start):
        two_step_login(client, "office")
    with _at(start + dt.timedelta(minutes=settings.SESSION_IDLE_MINUTES + 1)):
        client.post(reverse("org:personnel_create"), _person_form(people))
        back = two_step_login(client, "leader")
        assert back["Location"] != reverse("account_resume")
        assert client.get(reverse("account_resume"))["Location"] == reverse("home")


def test_the_offline_apps_calls_get_a_plain_refusal_after_expiry(member_a, settings):
    start = _now()
    client = Client()
    with _at(start):
        two_step_login(client, "member_a")
    with _at(start + dt.timedelta(minutes=settings.SESSION_IDLE_MINUTES + 1)):
        answer = client.post(
            "/api/v1/visits/",
            {"task": 1},
            content_type="application/json",
            HTTP_ACCEPT="application/json",
        )
        assert answer.status_code in (401, 403)
        assert "zf_kept_post" not in client.session


def _signed_in_everywhere(user):
    web = Client()
    web.force_login(user)
    assert web.get(reverse("home")).status_code == 200
    _token, key = services.api_token_create(user=user, name="phone")
    phone = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert phone.get("/api/v1/me").status_code == 200
    return web, phone


def _ended(web: Client, phone: Client) -> bool:
    return (
        web.get(reverse("home")).status_code == 302 and phone.get("/api/v1/me").status_code == 401
    )


def test_a_role_change_ends_every_session_and_token(officer_a):
    web, phone = _signed_in_everywhere(officer_a)
    officer_a.role = Role.TEAM_MEMBER
    officer_a.save()
    assert _ended(web, phone)
    assert not ApiToken.objects.filter(user=officer_a).exists()


def test_disabling_a_user_ends_every_session_and_token(officer_a):
    web, phone = _signed_in_everywhere(officer_a)
    officer_a.is_active = False
    officer_a.save()
    assert _ended(web, phone)


def test_a_password_change_ends_the_other_sessions_and_tokens(officer_a):
    web, phone = _signed_in_everywhere(officer_a)
    me = Client()
    two_step_login(me, "officer_a")
    changed = me.post(
        reverse("account_password"),
        {
            "old_password": "pw-for-tests-1",
            "new_password1": "Lantern-river-8841",
            "new_password2": "Lantern-river-8841",
        },
    )
    assert changed.status_code == 302
    assert _ended(web, phone)
    assert me.get(reverse("home")).status_code == 200  # the session that changed it goes on
    assert not ApiToken.objects.filter(user=officer_a).exists()


def test_the_admin_role_change_revokes_the_tokens(officer_a, tree):
    from zoufang.org.tests.factories import UserFactory

    root = UserFactory(username="root", role="", is_staff=True, is_superuser=True)
    _token, _key = services.api_token_create(user=officer_a, name="phone")
    admin = Client()
    admin.force_login(root)
    url = reverse("admin:org_user_change", args=[officer_a.pk])
    form = admin.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update(
        {
            "role": Role.TEAM_MEMBER,
            "unit": tree.beat_a.pk,
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "08:00:00",
        }
    )
    data.pop("last_login", None)
    data.pop("password", None)
    response = admin.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert not ApiToken.objects.filter(user=officer_a).exists()
