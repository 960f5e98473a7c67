"""The ledger's filters show their whole label in English too ("Every grade" used to be cut
to "Every gr" in a one-twelfth column at desktop width)."""

from __future__ import annotations

import pytest

from conftest import BROWSER_TEST
from zoufang.org.tests.otp import browser_log_in

pytestmark = [*BROWSER_TEST, pytest.mark.layout]

# The text of each select's chosen option fits inside the select, beside the arrow.
FITS = """() => [...document.querySelectorAll('form select')].map(s => {
  const st = getComputedStyle(s);
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = `${st.fontWeight} ${st.fontSize} ${st.fontFamily}`;
  const text = s.options[s.selectedIndex].text;
  const room = s.clientWidth - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight);
  return [s.name, text, ctx.measureText(text).width <= room];
})"""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [390, 1366])
def test_every_filter_label_fits_in_english(live_server, browser, office, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    browser_log_in(page, live_server.url, "office", then="/findings/")
    page.wait_for_selector("select[name=grade]")
    fits = page.evaluate(FITS)
    assert ["grade", "Every grade", True] in fits
    assert all(ok for _name, _text, ok in fits), fits
    context.close()
