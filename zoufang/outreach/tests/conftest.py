from __future__ import annotations

import pytest
from django.core.cache import cache

from zoufang.outreach import guard


@pytest.fixture(autouse=True)
def _fresh_limits(settings):
    """Each test starts with empty rate-limit counters and a cheap challenge."""
    settings.OUTREACH_POW_BITS = 6
    cache.clear()
    yield
    cache.clear()


def solved() -> dict[str, str]:
    """A challenge and its answer, as the page's script sends them."""
    c = guard.challenge_new()
    return {"challenge": c["challenge"], "answer": guard.challenge_solve(c["challenge"], c["bits"])}


@pytest.fixture
def send():
    """send(client, url, data, **extra) -> response: a POST with a solved challenge."""

    def post(client, url, data, **extra):
        return client.post(url, {**data, **solved()}, **extra)

    return post
