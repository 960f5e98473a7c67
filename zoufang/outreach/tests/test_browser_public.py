"""A real chromium at phone width (390 px): a resident opens a leaflet's public link, rates
the visit, makes a suggestion and asks for a visit; the suggestion is a finding in the right
beat and the request an appointment on the beat team's today list."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from conftest import BROWSER_TEST
from zoufang.campaigns.services import departments_sync
from zoufang.findings.catalog import catalog_sync

pytestmark = BROWSER_TEST


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.django_db(transaction=True)
def test_a_resident_uses_the_leaflets_link_on_a_phone(
    live_server, browser, chief_a, officer_a, member_a, tree, people, campaign
):
    from zoufang.findings.models import Finding
    from zoufang.outreach.models import PublicSubmission
    from zoufang.visits.models import VisitTask

    # A transactional test starts from the database the tests before it flushed: the finding
    # kinds of the catalog's data migration are gone, and without them the suggestion could
    # not become a finding (it is then held for the office: test_public_actions). Load them.
    departments_sync()
    catalog_sync()

    # The chief prints the leaflet of beat A; its QR code and printed link lead to the beat.
    staff = browser.new_page(viewport={"width": 1200, "height": 900})
    staff.goto(f"{live_server.url}/accounts/login/")
    staff.fill("#id_username", "chief_a")
    staff.fill("#id_password", "pw-for-tests-1")
    staff.click("button[type=submit]")
    leaflet = campaign.catalog.get(kind="leaflet", code="public-safety")
    staff.goto(f"{live_server.url}/outreach/leaflets/{leaflet.pk}/sheet/?beat={tree.beat_a.pk}")
    assert staff.locator(".qr svg").count() == 1
    link = staff.locator(".url").inner_text().strip()
    assert re.fullmatch(rf"{re.escape(live_server.url)}/p/{tree.beat_a.code}-\w{{6}}/", link)
    staff.close()

    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(link)
    assert "文峰社区" in page.locator("header").inner_text()
    _fits(page)

    # Rate the visit.
    page.click("a[href$='/rate/']")
    page.check("input[name=satisfaction][value=satisfied]")
    page.check("input[name=safety][value=safe]")
    page.check("input[name=topics][value=yes]")
    _fits(page)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-reference]")
    _fits(page)
    assert PublicSubmission.objects.filter(kind="rating", beat=tree.beat_a).count() == 1

    # A suggestion.
    page.goto(link + "suggest/")
    page.fill("textarea[name=text]", "建议晚上在文峰路口增加巡逻")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-reference]")
    ref = page.locator("[data-reference]").inner_text()
    code = page.locator("[data-code]").inner_text()

    # A visit request for this evening.
    page.goto(link + "visit/")
    page.fill("input[name=address]", "文峰路66号1单元201")
    page.fill("input[name=date]", timezone.localdate().isoformat())
    page.fill("input[name=start]", "19:00")
    page.fill("input[name=end]", "20:00")
    page.fill("input[name=phone]", "13912345678")
    _fits(page)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-reference]")

    # The status check with the suggestion's reference and code.
    page.goto(f"{live_server.url}/p/status/")
    page.fill("input[name=reference]", ref)
    page.fill("input[name=code]", code)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-stage=handling]")
    _fits(page)
    page.close()

    finding = Finding.objects.get(description="建议晚上在文峰路口增加巡逻")
    assert (finding.source, finding.beat_id) == ("public", tree.beat_a.pk)
    task = VisitTask.objects.get(address="文峰路66号1单元201")
    assert (task.team_id, task.appointment_date) == (people.team_a.pk, timezone.localdate())
    assert task.appointment_start == dt.time(19, 0)

    # The team member sees the appointment on today's list.
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.goto(f"{live_server.url}/accounts/login/")
    phone.fill("#id_username", "member_a")
    phone.fill("#id_password", "pw-for-tests-1")
    phone.click("button[type=submit]")
    phone.goto(f"{live_server.url}/visits/")
    assert phone.locator(f'[data-task="{task.pk}"]').count() == 1
    phone.close()
