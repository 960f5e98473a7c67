"""At 390 px the pages read as meant, beyond fitting the width: the ledger's tabs keep their
labels on one line and its date filters show a whole date, the description leads a finding's
row, the figures keep a unit's name on one line, the coverage table's 尚未走访 and its link stay
on screen, and the visit form asks the outcome first with its submit button always in reach."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from conftest import BROWSER_TEST
from zoufang.findings.services.create import finding_create

pytestmark = [*BROWSER_TEST, pytest.mark.layout]

PHONE = {"width": 390, "height": 844}


def _page(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=PHONE)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    return context, context.new_page()


ONE_LINE = """sel => [...document.querySelectorAll(sel)].map(el => {
  const st = getComputedStyle(el);
  const lh = parseFloat(st.lineHeight) || parseFloat(st.fontSize) * 1.5;
  const text = el.getBoundingClientRect().height - parseFloat(st.paddingTop) - parseFloat(st.paddingBottom);
  return [el.textContent.trim(), text < lh * 1.6];
})"""


@pytest.mark.django_db(transaction=True)
def test_the_ledger_and_figures_read_on_a_phone(
    live_server, browser, chief_a, tree, catalog, tasks
):
    finding_create(
        actor=None,
        kind_code="hazard-fire",
        description="楼道内电动车飞线充电,堆放纸箱",
        beat=tree.beat_a,
        place_text="文峰路12号",
    )
    context, page = _page(browser, live_server, chief_a)
    page.goto(f"{live_server.url}/findings/")
    tabs = page.evaluate(ONE_LINE, "#ledger-tabs .nav-link")
    assert tabs
    assert all(ok for _label, ok in tabs), tabs
    for name in ("from", "to"):
        box = page.locator(f"input[name={name}]").bounding_box()
        assert box["width"] >= 150, (name, box)  # a whole yyyy-mm-dd and the picker
    first = page.locator("tbody tr").first.locator("td").first
    assert first.inner_text().startswith("楼道内电动车飞线充电")

    page.goto(f"{live_server.url}/findings/stats/")
    names = page.evaluate(ONE_LINE, "#stats-table td.stats-unit")
    assert names
    assert all(ok for _name, ok in names), names

    page.goto(f"{live_server.url}/visits/coverage/")
    row = page.locator("#by-unit tbody tr").first
    assert row.locator("[data-col=visited-share]").inner_text().endswith("%")
    for cell in row.locator("td").all():
        if cell.is_visible():
            assert cell.bounding_box()["x"] + cell.bounding_box()["width"] <= 390 + 1
    context.close()


@pytest.mark.django_db(transaction=True)
def test_the_visit_form_asks_the_outcome_first_and_keeps_submit_in_reach(
    live_server, browser, officer_a, tasks, places
):
    task = tasks[places.dwellings[0].pk]
    context, page = _page(browser, live_server, officer_a)
    page.goto(f"{live_server.url}/visits/tasks/{task.pk}/visit/")
    outcome = page.locator("#o-visited").bounding_box()
    members = page.locator("input[name=members]").first.bounding_box()
    assert outcome["y"] < members["y"]
    button = page.locator(".submit-bar button[type=submit]")
    box = button.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"] + 1  # on screen before any scrolling
    page.mouse.wheel(0, 1500)
    page.wait_for_timeout(200)
    box = button.bounding_box()
    assert box["y"] >= 0
    assert box["y"] + box["height"] <= PHONE["height"] + 1
    context.close()
