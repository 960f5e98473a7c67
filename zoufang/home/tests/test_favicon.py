"""The site has an icon (browsers used to ask for /favicon.ico and get a 404)."""

from __future__ import annotations

import re

from django.contrib.staticfiles import finders
from django.urls import reverse


def test_every_page_names_an_icon_that_exists(client):
    page = client.get(reverse("login")).content.decode()
    icon = re.search(r'<link rel="icon" href="/static/([^"]+)"', page)
    assert icon, "no icon on the page"
    assert finders.find(icon.group(1))
