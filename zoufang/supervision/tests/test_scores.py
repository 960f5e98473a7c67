"""Scores: a hand-computed example, the office's weights (a clear message when they do not
add up), thresholds out of range, snapshots and the trend, drill-down, scope."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from zoufang.supervision import scoring
from zoufang.supervision.models import ScoreSnapshot
from zoufang.supervision.services import sampling
from zoufang.supervision.services.config import settings_for, settings_update
from zoufang.supervision.services.scores import score_units, snapshot_take, trend
from zoufang.supervision.services.verification import verification_record
from zoufang.supervision.tests.conftest import make_visit

pytestmark = pytest.mark.django_db

ZERO = {c.key: 0 for c in scoring.components()}


@pytest.fixture
def figures(campaign, tree, tasks, office, supervisor):
    """County X: 2 of its 5 tasks visited, 1 of 2 verifications confirmed. County Y: 1 of 3
    visited, 1 of 1 confirmed."""
    a1, a2 = make_visit(tasks.a[0]), make_visit(tasks.a[1])
    b1 = make_visit(tasks.b[0])
    sample = sampling.sample_create(
        campaign=campaign, actor=office, percent=Decimal(100), minimum=0
    )
    sample.tasks.update(supervisor=supervisor)
    answers = {a1.pk: "yes", a2.pk: "no", b1.pk: "yes"}
    for t in sample.tasks.all():
        verification_record(
            task=t,
            actor=supervisor,
            method="phone",
            happened="yes",
            facts_right=answers[t.visit_id],
            satisfaction="satisfied",
        )


def _weights(**w):
    return {**ZERO, **w}


def test_hand_computed_example(campaign, tree, figures):
    rows = {
        r.unit.code: r
        for r in score_units(
            campaign, [tree.county_x, tree.county_y], _weights(coverage=60, verification=40)
        )
    }
    x, y = rows["411002"], rows["411003"]
    assert x.values == {"coverage": 40.0, "verification": 50.0}
    assert y.values == {"coverage": 33.33, "verification": 100.0}
    # X: (60 × 40 + 40 × 50) / 100 = 44; Y: (60 × 33.33 + 40 × 100) / 100 = 60.00 (59.998)
    assert x.score == 44.0
    assert y.score == 60.0
    assert (y.rank, x.rank) == (1, 2)
    # A part nobody measured (no findings yet) is left out, the others count in full:
    # X: (30 × 40 + 20 × 50) / (30 + 20) = 44.
    rows = {
        r.unit.code: r
        for r in score_units(
            campaign, [tree.county_x], _weights(coverage=30, verification=20, timeliness=50)
        )
    }
    assert rows["411002"].score == 44.0


def test_weights_that_do_not_add_up_are_refused(campaign, office):
    with (
        translation.override("en"),
        pytest.raises(ValidationError, match="add up to 90; they must add up to 100"),
    ):
        settings_update(
            campaign=campaign, actor=office, data=_weights(coverage=50, verification=40)
        )
    with (
        translation.override("en"),
        pytest.raises(ValidationError, match="whole number from 0 to 100"),
    ):
        settings_update(
            campaign=campaign, actor=office, data=_weights(coverage="-5", verification=105)
        )
    settings_update(campaign=campaign, actor=office, data=_weights(coverage=50, verification=50))
    assert settings_for(campaign).weights["coverage"] == 50


def test_thresholds_out_of_range_are_refused_and_nothing_is_saved(campaign, office, client_for):
    r = client_for(office).post(
        "/supervision/settings/",
        {"start_by_day": "0", "sample_percent": "250", "workload_iqr_factor": "1.5"},
    )
    assert r.status_code == 422
    conf = settings_for(campaign)
    assert conf.start_by_day == 3
    assert conf.sample_percent == 2
    assert "250" in r.content.decode()
    r = client_for(office).post(
        "/supervision/settings/", {"start_by_day": "5", "sample_percent": "3"}
    )
    assert r.status_code == 302
    conf.refresh_from_db()
    assert conf.start_by_day == 5
    assert conf.sample_percent == 3


def test_supervisors_read_the_settings_but_do_not_change_them(campaign, supervisor, client_for):
    c = client_for(supervisor)
    assert c.get("/supervision/settings/").status_code == 200
    assert c.post("/supervision/settings/", {"start_by_day": "9"}).status_code == 403


def test_the_table_shows_formula_and_drills_down(campaign, tree, figures, office, client_for):
    settings_update(campaign=campaign, actor=office, data=_weights(coverage=60, verification=40))
    r = client_for(office).get("/supervision/scores/")
    table = r.context["table"]
    assert [row.unit.code for row, _cells in table] == ["411003", "411002"]
    html = r.content.decode()
    assert f'href="/visits/coverage/?unit={tree.county_x.pk}"' in html
    assert f'href="/supervision/verification/?unit={tree.county_x.pk}"' in html
    assert 'data-weight="coverage">60<' in html


def test_snapshots_make_the_trend(campaign, tree, figures, office, client_for):
    settings_update(campaign=campaign, actor=office, data=_weights(coverage=60, verification=40))
    today = timezone.localdate()
    assert snapshot_take(campaign, today - dt.timedelta(days=1)) >= 2
    snapshot_take(campaign, today)
    snapshot_take(campaign, today)  # re-run: one row per unit and day
    assert ScoreSnapshot.objects.filter(day=today, unit=tree.county_x).count() == 1
    data = trend(campaign, [tree.county_x, tree.county_y])
    assert data["days"] == [(today - dt.timedelta(days=1)).isoformat(), today.isoformat()]
    ranks = {s["name"]: s["rank"] for s in data["series"]}
    assert ranks == {"魏都分局": [2, 2], "建安分局": [1, 1]}
    r = client_for(office).post("/supervision/scores/snapshot/")
    assert r.status_code == 302
    page = client_for(office).get("/supervision/scores/").content.decode()
    start = page.index('id="trend-data"')
    payload = json.loads(page[page.index(">", start) + 1 : page.index("</script>", start)])
    assert payload["days"][-1] == today.isoformat()


def test_team_scores_in_a_station(campaign, tree, figures, office, people, client_for):
    settings_update(campaign=campaign, actor=office, data=_weights(coverage=60, verification=40))
    r = client_for(office).get("/supervision/scores/", {"unit": tree.s1.pk})
    rows = [row for row, _cells in r.context["table"]]
    assert [row.team.pk for row in rows] == [people.team_a.pk]
    assert rows[0].values["coverage"] == 40.0  # the team's own tasks: 2 of 5


def test_a_county_sees_its_own_subtree_only(campaign, tree, figures, county_admin, client_for):
    c = client_for(county_admin)
    r = c.get("/supervision/scores/")
    assert [row.unit.code for row, _cells in r.context["table"]] == ["411002001"]
    assert c.get("/supervision/scores/", {"unit": tree.county_y.pk}).status_code == 404
    assert (
        c.get("/supervision/scores/", {"unit": tree.county_y.pk, "export": "xlsx"}).status_code
        == 404
    )
    assert c.post("/supervision/scores/snapshot/").status_code == 403


def test_a_registered_component_counts(campaign, tree, figures):
    scoring.register_component("extra", "extra", lambda c, units: {u.pk: 0.0 for u in units}, 0)
    try:
        rows = {
            r.unit.code: r
            for r in score_units(campaign, [tree.county_x], _weights(coverage=50, extra=50))
        }
        assert rows["411002"].score == 20.0  # (50 × 40 + 50 × 0) / 100
    finally:
        scoring.unregister_component("extra")
