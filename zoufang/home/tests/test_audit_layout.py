"""The audit trail at phone width: nothing spills sideways (names used to stack one
character per line in a squeezed table)."""

from __future__ import annotations

import pytest

from conftest import BROWSER_TEST
from zoufang.org.tests.otp import browser_log_in

pytestmark = [*BROWSER_TEST, pytest.mark.layout]


@pytest.mark.django_db(transaction=True)
def test_the_trail_fits_a_phone(live_server, browser, office, people):
    people.aux_a.phone = "13912345678"
    people.aux_a.save()
    page = browser.new_page(viewport={"width": 390, "height": 844})
    browser_log_in(page, live_server.url, "office", then="/audit/")
    page.wait_for_selector(".audit-list")
    assert "李辅警" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.close()
