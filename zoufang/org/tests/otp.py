"""Logging in through the real second step in tests (decision 0045).

No setting turns two-factor login off. Users of the roles that need it get a confirmed TOTP
device from UserFactory; tests then either
- post the real two steps (password, then the code computed here from the device's key), or
- browser tests type that code into the login's second page (`browser_log_in`), or
- use Django's `Client.force_login`, which the root conftest follows with `verify_session`:
  the code computed from the device is checked against the device (TOTP math, the same as
  the login's) and the session is marked verified the way `django_otp.login` marks it.
"""

from __future__ import annotations

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from zoufang.org.middleware import AUTH_AT, NO_DEVICE, SEEN_AT

PASSWORD = "pw-for-tests-1"


def _totp(device: TOTPDevice) -> TOTP:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return totp


def current_code(user) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    totp = _totp(device)
    return f"{totp.token():0{device.digits}d}"


def fresh_code(user) -> str:
    """A code the login accepts now: the app's current code, or, when this time step's code
    was already used (the device refuses a replay), a new recovery code."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    totp = _totp(device)
    if device.last_t < totp.t():
        return f"{totp.token():0{device.digits}d}"
    static, _ = StaticDevice.objects.get_or_create(
        user=user, name="recovery", defaults={"confirmed": True}
    )
    token = StaticToken.random_token()
    StaticToken.objects.create(device=static, token=token)
    return token


def verify_session(client, user) -> None:
    """After `client.force_login(user)`: pass the second step as the login does."""
    session = client.session
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        code = int(current_code(user))
        assert _totp(device).verify(code, device.tolerance), "the device refused its own code"
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    else:
        session[NO_DEVICE] = time.time()
    now = time.time()
    session[AUTH_AT] = now
    session[SEEN_AT] = now
    session.save()


def two_step_login(client, username: str, password: str = PASSWORD, code: str | None = None):
    """The real login: POST the password, then (when asked) the code. Returns the last answer."""
    from zoufang.org.models import User

    csrf = {}
    if "csrftoken" in client.cookies:  # a client that enforces the CSRF check
        csrf = {"csrfmiddlewaretoken": client.cookies["csrftoken"].value}
    response = client.post("/accounts/login/", {"username": username, "password": password, **csrf})
    if response.status_code == 302 and response["Location"].endswith("/accounts/login/code/"):
        code = code or fresh_code(User.objects.get(username=username))
        response = client.post("/accounts/login/code/", {"code": code, **csrf})
    return response


def browser_log_in(
    page, base: str, username: str, password: str = PASSWORD, then: str = ""
) -> None:
    """Log a Playwright page in through both steps (the code typed like a user would)."""
    from zoufang.org.models import User

    page.goto(f"{base}/accounts/login/" + (f"?next={then}" if then else ""))
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    if "/accounts/login/code/" in page.url:
        page.fill("#id_code", fresh_code(User.objects.get(username=username)))
        with page.expect_navigation():
            page.click("button[data-otp-submit]")


def force_login_verified(client, user) -> None:
    """Outside pytest (the bench): a user of a two-factor role gets a device if they have none
    (as the demo seed does), then force_login and the same code check as in the tests."""
    from zoufang.org import twofactor

    if user.needs_two_factor and not twofactor.has_device(user):
        twofactor.demo_enrol(user=user)
    client.force_login(user)
    verify_session(client, user)
