"""Two-factor login (issue 17): the two steps, the lockout, enrolment, recovery codes and the
API token. Each test fails when its control is removed."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from axes.models import AccessFailureLog
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from zoufang.core.roles import Role
from zoufang.org import twofactor
from zoufang.org.tests.factories import UserFactory
from zoufang.org.tests.otp import PASSWORD, current_code, fresh_code, two_step_login

TOKEN_URL = "/api/v1/auth/token"


def _later(seconds: int = 40):
    """Past django-otp's throttle after a wrong code (and into the next TOTP step)."""
    return time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(seconds=seconds))


def _password(client: Client, username: str, password: str = PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_the_office_logs_in_with_password_then_code(office):
    client = Client()
    first = _password(client, "office")
    assert first.status_code == 302
    assert first["Location"] == reverse("login_verify")
    # Not signed in between the steps.
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))
    page = client.get(reverse("login_verify"))
    assert 'autocomplete="one-time-code"' in page.content.decode()
    wrong = client.post(reverse("login_verify"), {"code": "12345x"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session
    with _later():
        ok = client.post(reverse("login_verify"), {"code": current_code(office)})
        assert ok.status_code == 302
        assert client.get(reverse("home")).status_code == 200


def test_a_code_cannot_be_used_twice(office):
    code = current_code(office)
    assert two_step_login(Client(), "office", code=code).status_code == 302
    again = two_step_login(Client(), "office", code=code)
    assert again.status_code == 200  # the form again, with its error
    assert "_auth_user_id" not in again.wsgi_request.session


def test_wrong_codes_count_toward_the_lockout(office, settings):
    client = Client()
    _password(client, "office")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login_verify"), {"code": "12345x"})
    assert AccessFailureLog.objects.filter(username="office").count() >= settings.AXES_FAILURE_LIMIT
    # Locked: even the password and a right code no longer open the account.
    fresh = Client()
    assert _password(fresh, "office").status_code == 429
    with _later():
        fresh.post(reverse("login_verify"), {"code": current_code(office)})
        assert "_auth_user_id" not in fresh.session
        assert (
            client.post(reverse("login_verify"), {"code": current_code(office)}).status_code == 429
        )


def test_a_recovery_code_logs_in_once(office):
    codes = twofactor.recovery_codes_renew(user=office)
    assert len(codes) == 10
    assert two_step_login(Client(), "office", code=codes[0]).status_code == 302
    assert not StaticToken.objects.filter(token=codes[0]).exists()
    assert two_step_login(Client(), "office", code=codes[0]).status_code == 200


def test_a_role_that_needs_two_factor_reaches_nothing_before_enrolling(tree):
    UserFactory(username="new_office", role=Role.OFFICE, two_factor=False)
    client = Client()
    assert _password(client, "new_office").status_code == 302  # no device yet: signed in
    for url in (reverse("home"), "/findings/", "/org/people/", reverse("account_tokens")):
        assert client.get(url)["Location"] == reverse("two_factor_enrol"), url
    api = client.get("/api/v1/me")
    assert api.status_code == 403
    assert api.json()["code"] == "two_factor_required"
    # Enrolment: a QR code and the secret, confirmed with one code from the app.
    page = client.get(reverse("two_factor_enrol")).content.decode()
    assert "<svg" in page
    secret = re.search(r"data-otp-secret>([A-Z2-7]+)<", page).group(1)
    device = TOTPDevice.objects.get(user__username="new_office", confirmed=False)
    assert secret == twofactor.secret_base32(device)
    bad = client.post(reverse("two_factor_enrol"), {"code": "000000"})
    assert bad.status_code == 200
    assert "data-recovery-codes" not in bad.content.decode()
    from django_otp.oath import TOTP

    with _later():
        code = f"{TOTP(device.bin_key).token():06d}"
        done = client.post(reverse("two_factor_enrol"), {"code": code}).content.decode()
        assert len(re.findall(r"<li>[a-z0-9]{8}</li>", done)) == 10  # the recovery codes, once
        assert client.get(reverse("home")).status_code == 200
    # The next login asks for the code.
    assert _password(Client(), "new_office")["Location"] == reverse("login_verify")


def test_other_users_may_enrol_and_turn_it_off_but_required_roles_may_not(
    officer_a, office, client_for
):
    client = Client()
    assert two_step_login(client, "officer_a").status_code == 302
    assert 'data-two-factor="off"' in client.get(reverse("two_factor")).content.decode()
    client.get(reverse("two_factor_enrol"))
    device = TOTPDevice.objects.get(user=officer_a, confirmed=False)
    from django_otp.oath import TOTP

    client.post(reverse("two_factor_enrol"), {"code": f"{TOTP(device.bin_key).token():06d}"})
    assert twofactor.has_device(officer_a)
    assert _password(Client(), "officer_a")["Location"] == reverse("login_verify")
    client.post(reverse("two_factor_remove"))
    assert not twofactor.has_device(officer_a)
    office_client = client_for(office)
    office_client.post(reverse("two_factor_remove"))
    assert twofactor.has_device(office)


def test_a_session_without_the_code_ends_when_a_device_appears(officer_a):
    client = Client()
    two_step_login(client, "officer_a")
    assert client.get(reverse("home")).status_code == 200
    twofactor.demo_enrol(user=officer_a)
    with _later(61):
        assert client.get(reverse("home"))["Location"] == reverse("login")
        assert "_auth_user_id" not in client.session


def test_the_api_token_needs_the_code_for_users_with_a_device(office, tree):
    client, kind = Client(), "application/json"
    body = {"username": "office", "password": PASSWORD, "device": "phone"}
    without = client.post(TOKEN_URL, body, content_type=kind)
    assert without.status_code == 401
    failures = AccessFailureLog.objects.filter(username="office").count()
    assert client.post(TOKEN_URL, {**body, "otp": "99999x"}, content_type=kind).status_code == 401
    assert AccessFailureLog.objects.filter(username="office").count() == failures + 1
    with _later():
        ok = client.post(TOKEN_URL, {**body, "otp": fresh_code(office)}, content_type=kind)
        assert ok.status_code == 200
        me = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {ok.json()['token']}")
        assert me.status_code == 200
    UserFactory(username="bare_leader", role=Role.LEADER, two_factor=False)
    refused = client.post(TOKEN_URL, {**body, "username": "bare_leader"}, content_type=kind)
    assert refused.status_code == 403
