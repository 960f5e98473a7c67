"""A real chromium logs in and sees the home page (and the same at phone width)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="browser tests need Debian's chromium at /usr/bin/chromium"
    ),
]


@pytest.fixture
def browser():
    # Playwright's sync API runs an event loop in this thread; the live server's ORM calls
    # happen in its own thread, but Django's guard would still trip on ours.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


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
