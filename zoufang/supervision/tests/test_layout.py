"""The supervision pages at phone width: nothing spills sideways, the score table's unit
names stay on one line, the verification form's buttons fit; the trend chart draws (its
script is a static file, allowed by the Content-Security-Policy)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import BROWSER_TEST
from zoufang.org.tests.otp import browser_log_in
from zoufang.supervision.services import sampling
from zoufang.supervision.services.scores import snapshot_take
from zoufang.supervision.tests.conftest import make_visit

pytestmark = [*BROWSER_TEST, pytest.mark.layout]

PAGES = [
    "/supervision/",
    "/supervision/deployment/",
    "/supervision/verification/",
    "/supervision/inspections/",
    "/supervision/scores/",
    "/supervision/lists/",
    "/supervision/deepening/",
    "/supervision/settings/",
]


def _login(page, base: str, username: str) -> None:
    browser_log_in(page, base, username)


@pytest.mark.django_db(transaction=True)
def test_supervision_pages_fit_a_phone(live_server, browser, office, supervisor, campaign, tasks):
    for t in tasks.a:
        make_visit(t)
    sample = sampling.sample_create(
        campaign=campaign, actor=office, percent=Decimal(100), minimum=0
    )
    snapshot_take(campaign)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None
    )
    _login(page, live_server.url, "office")
    for url in PAGES:
        page.goto(live_server.url + url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url
    page.goto(live_server.url + "/supervision/scores/")
    page.wait_for_selector("#trend-chart canvas")
    assert errors == []
    page.close()
    page = browser.new_page(viewport={"width": 390, "height": 844})
    _login(page, live_server.url, "supervisor")
    page.goto(f"{live_server.url}/supervision/verification/{sample.tasks.first().pk}/")
    page.wait_for_selector("#verify-form")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.close()
