"""Every link of the main menu answers, for every role of the cast: no item leads to a 404
(the researcher's 走访 item used to), a 403 or an error page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from zoufang.findings.tests.cast import ROLES

_NAV = re.compile(r'<nav class="navbar.*?</nav>', re.S)
_HREF = re.compile(r'<a class="nav-link[^"]*" href="([^"]+)"')


def nav_links(page: str) -> list[str]:
    nav = _NAV.search(page)
    assert nav, "the page has no main menu"
    return _HREF.findall(nav.group(0))


@pytest.mark.parametrize("role", ROLES)
def test_every_menu_item_answers(role, request, client_for, campaign):
    client = client_for(request.getfixturevalue(role))
    links = nav_links(client.get(reverse("home"), follow=True).content.decode())
    assert len(links) >= 2, links
    answers = {}
    for href in links:
        response = client.get(href, follow=True)
        answers[href] = response.status_code
    assert answers == dict.fromkeys(links, 200)
