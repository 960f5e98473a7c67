"""The patrol queue with its flags-over-time chart at phone and desktop width: nothing spills
sideways, the chart draws (a static script, allowed by the Content-Security-Policy), the
per-unit switch and the table view work. Screenshots go to PATROL_SHOTS when it is set."""

from __future__ import annotations

import os

import pytest

from conftest import BROWSER_TEST
from zoufang.org.tests.otp import browser_log_in

pytestmark = [*BROWSER_TEST, pytest.mark.layout]


def _login(page, base: str, username: str) -> None:
    browser_log_in(page, base, username)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [390, 1280])
def test_the_patrol_chart_fits_and_draws(live_server, browser, short_visits, supervisor, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None
    )
    _login(page, live_server.url, "supervisor")
    for view in ("rule", "unit"):
        page.goto(f"{live_server.url}/patrol/?trend={view}")
        page.wait_for_selector("#patrol-trend-chart canvas")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.click("#patrol-trend summary")
        assert page.is_visible("[data-table=patrol-trend]")
        if shots := os.environ.get("PATROL_SHOTS"):
            page.screenshot(path=f"{shots}/patrol-{view}-{width}.png", full_page=True)
    assert errors == []
    page.close()
