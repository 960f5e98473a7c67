"""The user's account pages (issue 17): password rules and history, API tokens (own, and an
administrator's over their jurisdiction), the login history."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from zoufang.core.roles import Role
from zoufang.org import services
from zoufang.org.models import ApiToken
from zoufang.org.tests.factories import UserFactory
from zoufang.org.tests.otp import two_step_login

GOOD = "Lantern-river-8841"


def _codes(password: str, user) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return {e.code for e in exc.error_list}
    return set()


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Short-1a", "password_too_short"),
        ("password1234", "password_too_common"),
        ("948372615048", "password_entirely_numeric"),
        ("my-zoufang-2026!", "password_context_word"),
        ("Police-station-77", "password_context_word"),
        ("文峰社区-login-2026", "password_context_word"),  # the user's unit name
        ("officer_a2026", "password_too_similar"),  # the username
    ],
)
def test_weak_passwords_are_refused_with_the_rule_named(officer_a, password, code):
    assert code in _codes(password, officer_a)


def test_a_good_password_passes(officer_a):
    assert _codes(GOOD, officer_a) == set()


def _change(client: Client, old: str, new: str):
    return client.post(
        reverse("account_password"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


def test_the_last_passwords_cannot_be_chosen_again(officer_a, settings):
    client = Client()
    two_step_login(client, "officer_a")
    old = "pw-for-tests-1"
    history = [f"Lantern-river-{n:04d}x" for n in range(settings.PASSWORD_HISTORY_COUNT + 1)]
    for new in history:
        assert _change(client, old, new).status_code == 302, new
        old = new
    # The current one and the last N before it are refused, in the user's language.
    for reused in history[-settings.PASSWORD_HISTORY_COUNT :]:
        page = _change(client, old, reused)
        assert page.status_code == 200, reused
        errors = page.context["form"].errors.as_data()["new_password2"]
        assert "password_reused" in {e.code for e in errors}
        assert "最近" in page.content.decode()
    # Older than that: allowed again.
    assert _change(client, old, history[0]).status_code == 302
    assert officer_a.password_history.count() == settings.PASSWORD_HISTORY_COUNT - 1


def test_the_password_page_refuses_a_wrong_old_password(officer_a):
    client = Client()
    two_step_login(client, "officer_a")
    assert _change(client, "not-it", GOOD).status_code == 200
    officer_a.refresh_from_db()
    assert not officer_a.check_password(GOOD)


def test_the_token_page_lists_own_tokens_masked_and_revokes_them(officer_a, officer_b, client_for):
    mine, key = services.api_token_create(user=officer_a, name="我的手机")
    theirs, _ = services.api_token_create(user=officer_b, name="别人的手机")
    client = client_for(officer_a)
    page = client.get(reverse("account_tokens")).content.decode()
    assert f"{mine.prefix}…" in page
    assert "我的手机" in page
    assert key not in page
    assert key[8:16] not in page
    assert "别人的手机" not in page
    # Someone else's token is a 404, and stays.
    assert client.post(reverse("account_token_revoke", args=[theirs.pk])).status_code == 404
    assert ApiToken.objects.filter(pk=theirs.pk).exists()
    assert client.post(reverse("account_token_revoke", args=[mine.pk])).status_code == 302
    assert not ApiToken.objects.filter(pk=mine.pk).exists()
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_an_administrator_revokes_tokens_in_their_jurisdiction_only(
    county_admin, officer_a, officer_b, client_for
):
    inside, _ = services.api_token_create(user=officer_a, name="辖区内")
    outside, _ = services.api_token_create(user=officer_b, name="辖区外")
    client = client_for(county_admin)
    page = client.get(reverse("account_tokens")).content.decode()
    assert "辖区内" in page
    assert "辖区外" not in page
    assert client.post(reverse("account_token_revoke", args=[outside.pk])).status_code == 404
    assert ApiToken.objects.filter(pk=outside.pk).exists()
    assert client.post(reverse("account_token_revoke", args=[inside.pk])).status_code == 302
    assert not ApiToken.objects.filter(pk=inside.pk).exists()


def test_a_station_chief_is_no_token_administrator(chief_a, officer_a, client_for):
    token, _ = services.api_token_create(user=officer_a, name="辖区内")
    client = client_for(chief_a)
    assert "辖区内" not in client.get(reverse("account_tokens")).content.decode()
    assert client.post(reverse("account_token_revoke", args=[token.pk])).status_code == 404


def test_the_login_history_shows_own_logins_and_failures_with_the_address_masked(
    officer_a, officer_b
):
    Client(REMOTE_ADDR="203.0.113.45").post(
        reverse("login"), {"username": "officer_a", "password": "wrong-one"}
    )
    Client(REMOTE_ADDR="198.51.100.7").post(
        reverse("login"), {"username": "officer_b", "password": "wrong-one"}
    )
    client = Client(REMOTE_ADDR="203.0.113.46", HTTP_USER_AGENT="Phone/1.0")
    two_step_login(client, "officer_a")
    page = client.get(reverse("account_history")).content.decode()
    assert page.count('data-ok="1"') == 1
    assert page.count('data-ok="0"') == 1
    assert "203.0.*.*" in page
    assert "Phone/1.0" in page
    assert "203.0.113" not in page
    assert "198.51" not in page  # someone else's


def test_account_pages_need_a_login(db):
    for name in ("two_factor", "account_password", "account_tokens", "account_history"):
        assert Client().get(reverse(name))["Location"].startswith(reverse("login"))


def test_a_campaign_wide_role_is_no_token_administrator_unless_office(
    leader, officer_a, client_for
):
    token, _ = services.api_token_create(user=officer_a, name="辖区内")
    assert "辖区内" not in client_for(leader).get(reverse("account_tokens")).content.decode()
    office_like = UserFactory(username="team_x", role=Role.WORKING_TEAM)
    assert "辖区内" in client_for(office_like).get(reverse("account_tokens")).content.decode()
    assert token.pk
