"""The patrol API and the flags-over-time trend: scoped like the pages (a county sees its own
flags, 404 for another's), decisions only by the supervision group."""

from __future__ import annotations

import json

from zoufang.patrol.models import FlagState, Notice
from zoufang.patrol.trend import flag_trend


def _post(client, url: str, body: dict):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_the_flag_list_is_scoped(short_visits, client_for, supervisor, county_admin):
    everyone = client_for(supervisor).get("/api/v1/patrol/flags?rule=min_duration").json()
    assert {f["id"] for f in everyone["items"]} >= {short_visits.flag_a.pk, short_visits.flag_b.pk}
    own = client_for(county_admin).get("/api/v1/patrol/flags").json()
    ids = {f["id"] for f in own["items"]}
    assert short_visits.flag_a.pk in ids
    assert short_visits.flag_b.pk not in ids
    assert own["count"] == len(ids)


def test_a_flag_of_another_county_is_404(short_visits, client_for, county_admin):
    c = client_for(county_admin)
    assert c.get(f"/api/v1/patrol/flags/{short_visits.flag_b.pk}").status_code == 404
    mine = c.get(f"/api/v1/patrol/flags/{short_visits.flag_a.pk}").json()
    assert mine["rule"] == "min_duration"
    assert mine["evidence"]["seconds"] == 120


def test_deciding_through_the_api(short_visits, client_for, supervisor, chief_a):
    url = f"/api/v1/patrol/flags/{short_visits.flag_a.pk}/decision"
    # The unit itself may not decide its own flag.
    assert (
        _post(client_for(chief_a), url, {"decision": "confirm", "comment": "x"}).status_code == 403
    )
    c = client_for(supervisor)
    refused = _post(c, url, {"decision": "confirm", "comment": " "})
    assert refused.status_code == 422
    done = _post(c, url, {"decision": "confirm", "comment": "属实", "requirement": "重新走访"})
    assert done.status_code == 200
    assert done.json()["state"] == FlagState.CONFIRMED
    notice = Notice.objects.get(flag=short_visits.flag_a)
    assert done.json()["notice_id"] == notice.pk
    again = _post(c, url, {"decision": "dismiss", "comment": "再议"})
    assert again.status_code == 422


def test_notices_through_the_api_are_the_units_own(short_visits, client_for, supervisor, officer_a, officer_b):  # fmt: skip
    _post(
        client_for(supervisor),
        f"/api/v1/patrol/flags/{short_visits.flag_a.pk}/decision",
        {"decision": "confirm", "comment": "属实"},
    )
    mine = client_for(officer_a).get("/api/v1/patrol/notices").json()["items"]
    assert [n["flag_id"] for n in mine] == [short_visits.flag_a.pk]
    assert client_for(officer_b).get("/api/v1/patrol/notices").json()["items"] == []


def test_rules_carry_their_dismissal_rate(short_visits, client_for, supervisor):
    _post(
        client_for(supervisor),
        f"/api/v1/patrol/flags/{short_visits.flag_b.pk}/decision",
        {"decision": "dismiss", "comment": "误报"},
    )
    rules = {r["kind"]: r for r in client_for(supervisor).get("/api/v1/patrol/rules").json()}
    assert rules["min_duration"]["dismissed"] == 1
    assert rules["min_duration"]["dismissal_rate"] == 100


def test_researchers_get_no_flags(short_visits, client_for, researcher):
    assert client_for(researcher).get("/api/v1/patrol/flags").status_code == 403
    assert client_for(researcher).get("/api/v1/patrol/trend").status_code == 403


def test_trend_per_rule_and_per_unit_is_scoped(
    short_visits, supervisor, county_admin, campaign, tree
):
    day = short_visits.a.started_at.astimezone().date()
    per_rule = flag_trend(supervisor, campaign, by="rule")
    series = {s.key: s for s in per_rule.series}
    assert series["min_duration"].counts[per_rule.days.index(day)] == 2
    per_unit = flag_trend(supervisor, campaign, by="unit")
    counts = {s.name: s.total for s in per_unit.series}
    assert counts[tree.county_x.name] >= 1
    assert counts[tree.county_y.name] >= 1
    own = flag_trend(county_admin, campaign, by="unit")
    assert tree.county_y.name not in {s.name for s in own.series}
    assert sum(s.total for s in own.series) == sum(
        s.total for s in flag_trend(county_admin, campaign, by="rule").series
    )


def test_trend_through_the_api_refuses_another_countys_unit(short_visits, client_for, county_admin, tree):  # fmt: skip
    c = client_for(county_admin)
    assert c.get(f"/api/v1/patrol/trend?by=unit&unit={tree.county_y.pk}").status_code == 404
    body = c.get("/api/v1/patrol/trend?by=rule").json()
    assert body["by"] == "rule"
    assert sum(sum(s["counts"]) for s in body["series"]) >= 1
