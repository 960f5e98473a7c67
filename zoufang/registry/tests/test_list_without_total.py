"""Long lists page without a total (issue 13 part 4): the city's registry list never counts
the city's rows; it pages by previous / next, and shows the counts once narrowed to a beat."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zoufang.registry.models import Place
from zoufang.registry.tests import factories as reg


@pytest.fixture
def many(tree, settings):
    settings.ZOUFANG = {**settings.ZOUFANG, "PAGE_SIZE": 3}
    for i in range(4):
        reg.dwelling(tree.beat_a, number=str(10 + i))
    reg.dwelling(tree.beat_b, number="3")


def _counts(queries) -> list[str]:
    return [q["sql"] for q in queries if re.search(r"COUNT\(.*registry_", q["sql"], re.I)]


def test_the_leaders_list_counts_nothing_and_pages_on(many, leader, client_for):
    c = client_for(leader)
    with CaptureQueriesContext(connection) as ctx:
        first = c.get("/registry/")
    assert first.status_code == 200
    assert _counts(ctx.captured_queries) == []
    text = first.content.decode()
    assert 'data-pager="uncounted"' in text
    assert 'data-stats="none"' in text
    second = c.get("/registry/", {"page": 2}).content.decode()
    shown = sum(1 for p in Place.objects.all() if p.address in text or p.address in second)
    assert shown == Place.objects.count() == 5


def test_a_beat_shows_its_counts(many, leader, client_for, tree):
    text = client_for(leader).get("/registry/", {"unit": tree.beat_a.pk}).content.decode()
    assert 'data-stats="none"' not in text
    assert ">4</div>" in text  # the beat's four dwellings


def test_a_page_past_the_end_is_empty_not_an_error(many, leader, client_for):
    assert client_for(leader).get("/registry/", {"page": 999}).status_code == 200
    assert client_for(leader).get("/registry/", {"page": "x"}).status_code == 200


def test_an_officer_outside_the_beat_sees_none_of_its_rows(many, officer_b, client_for, tree):
    text = client_for(officer_b).get("/registry/").content.decode()
    for p in Place.objects.filter(beat=tree.beat_a):
        assert p.address not in text
