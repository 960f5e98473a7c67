"""The map in a real chromium: drawn at 390 px and at desktop width without the page
scrolling sideways; a pinch-like zoom asks for the points of the new view; the PDFs of a
summary and two reports are printed by one kept chromium."""

from __future__ import annotations

import pytest

from conftest import BROWSER_TEST
from zoufang.dashboard import printing
from zoufang.dashboard.boundaries import boundaries_import
from zoufang.dashboard.reportfiles import report_pdf
from zoufang.dashboard.reports import report_create
from zoufang.dashboard.summary import summary_generate
from zoufang.dashboard.summaryfiles import summary_pdf
from zoufang.dashboard.tests.test_boundaries import fc, feature, square
from zoufang.org.tests.otp import browser_log_in

pytestmark = [*BROWSER_TEST, pytest.mark.layout]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [390, 1366])
def test_the_map_draws_and_fits_the_screen(
    live_server, browser, positioned, leader, office, tree, width
):
    raw = fc(feature("411002", square(113.8, 34.0)), feature("411003", square(113.9, 34.0)))
    assert boundaries_import(raw, user=office, source="t").ok
    leader.set_password("pw-map-1")
    leader.save()
    context = browser.new_context(viewport={"width": width, "height": 900}, has_touch=True)
    page = context.new_page()
    browser_log_in(page, live_server.url, leader.username, "pw-map-1", then="/dashboard/map/")
    page.wait_for_selector("#unit-map canvas")
    page.wait_for_timeout(800)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    box = page.locator("#unit-map").bounding_box()
    assert box["width"] <= width
    assert box["height"] >= 400
    # Zooming in asks again for the points of the view (with its box).
    with page.expect_request(lambda r: "/dashboard/map/data/" in r.url and "box=" in r.url):
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.wheel(0, -400)
    context.close()


@pytest.mark.django_db(transaction=True)
def test_pdfs_are_printed_by_one_kept_chromium(positioned, office, campaign, tree):
    import datetime as dt

    from django.utils import timezone

    printing._printer.stop()
    today = timezone.localdate()
    report = report_create(
        actor=office, unit=tree.city, campaign=campaign, date_from=today - dt.timedelta(days=1),
        date_to=today,
    )  # fmt: skip
    first = report_pdf(report)
    thread = printing._printer.thread
    second = summary_pdf(summary_generate(actor=office, unit=tree.city, campaign=campaign))
    assert first.startswith(b"%PDF")
    assert second.startswith(b"%PDF")
    assert len(second) > 5000
    assert printing._printer.thread is thread  # the same printing thread, the same browser
    printing._printer.stop()
