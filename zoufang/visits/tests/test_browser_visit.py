"""A real chromium at phone width (390 px) records a household visit with a finding."""

from __future__ import annotations

import pytest

from conftest import BROWSER_TEST

pytestmark = BROWSER_TEST


@pytest.mark.django_db(transaction=True)
def test_a_team_member_records_a_household_visit_with_a_finding_on_a_phone(
    live_server, browser, member_a, household_task, catalog
):
    from zoufang.findings.models import Finding
    from zoufang.visits.models import Visit

    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "member_a")
    page.fill("#id_password", "pw-for-tests-1")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/visits/")
    page.click(f'[data-task="{household_task.pk}"]')
    page.wait_for_selector("#visit-form")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # A first try without the householder's name is refused and comes back filled in.
    page.click("label[for=o-visited]")
    page.click("label[for=q_rented-yes]")
    page.fill("#q_tenants", "租户张三一家")
    page.select_option("select[name=f_kind]", "hazard-fire")
    page.fill("textarea[name=f_description]", "楼道内电动车飞线充电")
    page.click("button[type=submit]")
    page.wait_for_selector("#form-errors")
    assert page.input_value("#q_tenants") == "租户张三一家"
    assert page.input_value("textarea[name=f_description]") == "楼道内电动车飞线充电"
    assert Visit.objects.count() == 0

    page.fill("#q_householder_name", "刘桂兰")
    page.select_option("#q_satisfaction", "满意")
    page.click("#all-topics")
    page.fill("#leaflet_civility", "2")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/visits/")
    assert page.locator(f'[data-task="{household_task.pk}"]').count() == 0
    assert page.locator(".alert-success").count() == 1

    visit = Visit.objects.get()
    assert visit.outcome == "visited"
    assert visit.topic_count == 6
    assert visit.leaflet_count == 2
    assert visit.members.count() == household_task.team.members.count()
    finding = Finding.objects.get(visit_id=visit.pk, kind__code="hazard-fire")
    assert finding.description == "楼道内电动车飞线充电"
    page.close()
