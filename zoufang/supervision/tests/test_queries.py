"""The reads do not grow with the number of units, teams or tasks (two sizes measured)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zoufang.org.models import Unit
from zoufang.org.tests.factories import TeamFactory, UnitFactory
from zoufang.supervision import scoring
from zoufang.supervision.selectors.deployment import deployment
from zoufang.supervision.services.scores import score_units

pytestmark = pytest.mark.django_db


def _count(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_scores_take_one_query_per_component_whatever_the_units(campaign, tree, tasks):
    weights = {c.key: 1 for c in scoring.components()}
    two = _count(lambda: score_units(campaign, [tree.county_x, tree.county_y], weights))
    for n in range(6):
        UnitFactory(code=f"41100{5 + n}", name=f"新县{n}", parent=tree.city)
    counties = list(Unit.objects.filter(level=Unit.Level.COUNTY))
    eight = _count(lambda: score_units(campaign, counties, weights))
    assert two == eight


def test_deployment_does_not_grow_with_teams(campaign, tree, office, people):
    one = _count(
        lambda: deployment(
            office, unit=tree.city, campaign=campaign, start_by_day=3, iqr_factor=1.5
        )
    )
    for n in range(5):
        beat = UnitFactory(
            code=f"4110020010{10 + n}", name=f"新社区{n}", parent=tree.s1, beat_kind="community"
        )
        TeamFactory(campaign=campaign, beat=beat, name=f"新社区{n}走访组")
    six = _count(
        lambda: deployment(
            office, unit=tree.city, campaign=campaign, start_by_day=3, iqr_factor=1.5
        )
    )
    assert one == six


def test_the_three_findings_parts_read_the_findings_once(campaign, tree, tasks):
    """Timeliness, resolution and satisfaction are three ratios of one grouped query: the
    findings table is read once per score table, whichever of them are weighted."""
    from zoufang.findings.models import Finding

    table = Finding._meta.db_table
    weights = {"timeliness": 1, "resolution": 1, "satisfaction": 1}

    def findings_reads() -> int:
        with CaptureQueriesContext(connection) as ctx:
            score_units(campaign, [tree.county_x, tree.county_y], weights)
        return sum(table in q["sql"] for q in ctx.captured_queries)

    assert findings_reads() == 1
    # Outside a score computation a part still answers on its own.
    for key in weights:
        assert isinstance(scoring.component(key).fn(campaign, [tree.county_x]), dict)
