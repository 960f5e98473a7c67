"""The patrol's pages: queue, xlsx, flag detail, rules, notices — and scope on each."""

from __future__ import annotations

import pytest

from zoufang.core.tests.exports import export_table
from zoufang.patrol.models import FlagState, Notice, Rule
from zoufang.patrol.services.decide import flag_decide


def _xlsx_rows(response) -> list[list]:
    return export_table(response)


def test_supervisor_sees_the_queue_with_both_counties(short_visits, client_for, supervisor):
    page = client_for(supervisor).get("/patrol/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f'data-flag="{short_visits.flag_a.pk}"' in body
    assert f'data-flag="{short_visits.flag_b.pk}"' in body


def test_a_county_sees_only_its_own_flags_in_list_counts_and_export(short_visits, client_for, county_admin):  # fmt: skip
    c = client_for(county_admin)
    body = c.get("/patrol/").content.decode()
    assert f'data-flag="{short_visits.flag_a.pk}"' in body
    assert f'data-flag="{short_visits.flag_b.pk}"' not in body
    rows = _xlsx_rows(c.get("/patrol/?export=xlsx"))
    units = [r[3] for r in rows[1:]]
    assert short_visits.a.beat.name in units
    assert short_visits.b.beat.name not in units
    assert c.get(f"/patrol/flags/{short_visits.flag_b.pk}/").status_code == 404
    assert c.get(f"/patrol/flags/{short_visits.flag_a.pk}/").status_code == 200


def test_the_queue_filters_by_rule_and_state(short_visits, client_for, supervisor):
    flag_decide(actor=supervisor, flag=short_visits.flag_a, confirm=False, comment="误报")
    c = client_for(supervisor)
    body = c.get("/patrol/?state=dismissed").content.decode()
    assert f'data-flag="{short_visits.flag_a.pk}"' in body
    assert f'data-flag="{short_visits.flag_b.pk}"' not in body
    body = c.get("/patrol/?rule=night").content.decode()
    assert f'data-flag="{short_visits.flag_a.pk}"' not in body


def test_the_queue_export_has_every_flag_in_scope(short_visits, client_for, supervisor):
    rows = _xlsx_rows(client_for(supervisor).get("/patrol/?export=xlsx&rule=min_duration"))
    assert len(rows) - 1 == 2


def test_confirm_through_the_page(short_visits, client_for, supervisor):
    c = client_for(supervisor)
    url = f"/patrol/flags/{short_visits.flag_a.pk}/decide/"
    c.post(url, {"decision": "confirm", "comment": "", "deadline": ""})
    short_visits.flag_a.refresh_from_db()
    assert short_visits.flag_a.state == FlagState.OPEN  # refused: no comment
    c.post(url, {"decision": "confirm", "comment": "属实", "requirement": "重新走访"})
    short_visits.flag_a.refresh_from_db()
    assert short_visits.flag_a.state == FlagState.CONFIRMED
    notice = Notice.objects.get()
    assert c.get(f"/patrol/notices/{notice.pk}/").status_code == 200


def test_the_unit_sees_and_answers_its_notice_another_gets_404(short_visits, client_for, supervisor, officer_a, officer_b):  # fmt: skip
    flag_decide(actor=supervisor, flag=short_visits.flag_a, confirm=True, comment="属实")
    notice = Notice.objects.get()
    a = client_for(officer_a)
    assert f'data-notice="{notice.pk}"' in a.get("/patrol/notices/").content.decode()
    a.post(f"/patrol/notices/{notice.pk}/", {"action": "reply", "reply": "已重新入户"})
    notice.refresh_from_db()
    assert notice.reply == "已重新入户"
    b = client_for(officer_b)
    assert f'data-notice="{notice.pk}"' not in b.get("/patrol/notices/").content.decode()
    assert b.get(f"/patrol/notices/{notice.pk}/").status_code == 404
    assert b.post(f"/patrol/notices/{notice.pk}/", {"action": "reply", "reply": "x" * 9}).status_code == 404  # fmt: skip


def test_rules_page_shows_dismissal_rate_and_refuses_bad_thresholds(short_visits, client_for, office, supervisor, campaign):  # fmt: skip
    flag_decide(actor=supervisor, flag=short_visits.flag_a, confirm=False, comment="误报")
    c = client_for(office)
    body = c.get("/patrol/rules/").content.decode()
    assert 'data-dismissal="min_duration">100%' in body
    rule = Rule.objects.get(campaign=campaign, kind="distance")
    page = c.post(f"/patrol/rules/{rule.pk}/", {"enabled": "1", "community_m": "5", "village_m": "1000"}, follow=True)  # fmt: skip
    assert "20000" in page.content.decode()
    rule.refresh_from_db()
    assert rule.params["community_m"] == 300
    assert client_for(supervisor).post(f"/patrol/rules/{rule.pk}/", {"community_m": "400"}).status_code == 403  # fmt: skip


@pytest.mark.parametrize("who", ["officer_a", "county_admin", "chief_b"])
def test_units_cannot_run_the_patrol(who, request, client_for, campaign):
    user = request.getfixturevalue(who)
    assert client_for(user).post("/patrol/run/").status_code == 403


def test_run_now_shows_its_progress(short_visits, client_for, supervisor, django_capture_on_commit_callbacks):  # fmt: skip
    c = client_for(supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        c.post("/patrol/run/")
    body = c.get("/patrol/").content.decode()
    assert 'id="patrol-run"' in body
    assert 'value="100"' in body  # eager Celery in tests: the run has finished


def test_researcher_sees_nothing(client_for, researcher, campaign):
    assert client_for(researcher).get("/patrol/").status_code == 403


def test_flags_over_time_chart_table_and_xlsx_are_scoped(short_visits, client_for, supervisor, county_admin, tree):  # fmt: skip
    page = client_for(supervisor).get("/patrol/?trend=unit")
    body = page.content.decode()
    assert 'id="patrol-trend-chart"' in body
    assert 'data-table="patrol-trend"' in body
    names = {s.name for s in page.context["trend"].series}
    assert {tree.county_x.name, tree.county_y.name} <= names
    c = client_for(county_admin)
    own = c.get("/patrol/?trend=unit").context["trend"]
    assert tree.county_y.name not in {s.name for s in own.series}
    rows = _xlsx_rows(c.get("/patrol/?trend=rule&export=trend"))
    header, data = rows[0], rows[1:]
    short = header.index(Rule(kind="min_duration").get_kind_display())
    # County X sees its own short visit only, on the day it was made.
    assert sum(int(r[short]) for r in data) == 1
