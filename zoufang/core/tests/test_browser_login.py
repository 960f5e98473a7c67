"""A real chromium logs in and sees the home page (and the same at phone width)."""

from __future__ import annotations

import pytest

from conftest import BROWSER_TEST

pytestmark = BROWSER_TEST


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [390, 1280])
def test_a_community_officer_logs_in_and_sees_the_home_page(live_server, browser, officer_a, width):
    page = browser.new_page(viewport={"width": width, "height": 844})
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "officer_a")
    page.fill("#id_password", "pw-for-tests-1")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-stat=people]")
    assert "张社区" in page.content()
    assert page.inner_text("[data-stat=people]").strip() == "3"
    # Nothing spills sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.close()


@pytest.mark.django_db(transaction=True)
def test_a_wrong_password_shows_the_reason_in_chinese(live_server, browser, officer_a):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "officer_a")
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")
    assert "密码" in page.inner_text(".alert-danger")
    page.close()


@pytest.mark.django_db(transaction=True)
def test_the_office_logs_in_through_the_code_step(live_server, browser, office, people):
    """The office's password leads to the code page (nothing else is reachable before it);
    the code the authenticator app would show opens the home page."""
    from zoufang.org.tests.otp import current_code

    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "office")
    page.fill("#id_password", "pw-for-tests-1")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url.endswith("/accounts/login/code/")
    assert page.get_attribute("#id_code", "autocomplete") == "one-time-code"
    page.goto(f"{live_server.url}/findings/")
    assert "/accounts/login/" in page.url  # not signed in between the steps
    page.goto(f"{live_server.url}/accounts/login/code/")
    page.fill("#id_code", current_code(office))
    with page.expect_navigation():
        page.click("button[data-otp-submit]")
    assert page.url == f"{live_server.url}/"
    assert page.locator("[data-account-link]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.close()
