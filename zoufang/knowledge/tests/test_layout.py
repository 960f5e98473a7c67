"""The pocket book on a phone (390 px): contents, search as you type with the words marked, an
entry, its history and the edit form fit the screen. With POCKETBOOK_SHOTS=<folder> the pages
are also saved as PNGs to look at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import BROWSER_TEST
from zoufang.knowledge.services import EDITED_FIELDS, entry_save
from zoufang.org.tests.otp import browser_log_in

pytestmark = [*BROWSER_TEST, pytest.mark.layout]
SHOTS = os.environ.get("POCKETBOOK_SHOTS", "")


def _login(page, base: str, username: str) -> None:
    browser_log_in(page, base, username)


def _fits(page, name: str, width: int = 390) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)


@pytest.mark.django_db(transaction=True)
def test_the_pocket_book_fits_a_phone(live_server, browser, book, officer_a, office):
    entry = book["fuwu-residence-permit"]
    data = {f: getattr(entry, f) for f in EDITED_FIELDS}
    entry_save(entry=entry, data={**data, "how": data["how"] + "可以邮寄。"}, base_version=1, actor=office)  # fmt: skip
    page = browser.new_page(viewport={"width": 390, "height": 844})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, live_server.url, "officer_a")
    page.goto(live_server.url + "/pocketbook/")
    _fits(page, "pocketbook-contents")
    page.fill("input[name=q]", "居往证怎么办")
    page.wait_for_selector('[data-hit="fuwu-residence-permit"]')
    assert page.locator("#pb-results mark").count() > 0
    assert "居住证" in page.inner_text("[data-corrections]")
    _fits(page, "pocketbook-search")
    page.click('[data-hit="fuwu-residence-permit"]')
    page.wait_for_selector("[data-entry=fuwu-residence-permit]")
    assert page.locator(".pb-part").count() == 5
    _fits(page, "pocketbook-entry")
    page.goto(live_server.url + "/pocketbook/entries/fuwu-residence-permit/history/?v=2")
    assert page.locator("[data-changed] ins").count() >= 1
    _fits(page, "pocketbook-history")
    page.close()
    page = browser.new_page(viewport={"width": 390, "height": 844})
    _login(page, live_server.url, "office")
    page.goto(live_server.url + "/pocketbook/entries/fuwu-residence-permit/edit/")
    _fits(page, "pocketbook-edit")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/pocketbook/?q=电诈")
    _fits(page, "pocketbook-search", width=1280)
    assert errors == []
    page.close()
