"""Every page of every role fits a 390 px phone: no sideways scrolling of the whole page
(`document.documentElement.scrollWidth <= 390`).

The pages are not listed here: each role's walk starts at its main menu and follows the links
within the site, one page of each kind (see crawl.py), so a page another app adds later is
walked too. The cast has a record of every kind: places, a person, tasks, a visit, a finding,
an import job, teams and units."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from conftest import BROWSER_TEST
from zoufang.core.roles import Role
from zoufang.findings.services.create import finding_create
from zoufang.findings.tests.cast import ROLES
from zoufang.home.tests.crawl import page_kinds
from zoufang.org.tests.factories import UserFactory
from zoufang.registry.models import Household, ImportJob, Person
from zoufang.registry.tests import factories as reg
from zoufang.visits.tests.factories import record

pytestmark = [*BROWSER_TEST, pytest.mark.layout]

PHONE = 390
# The campaign-wide roles the cast has no fixture for (the demo has a login for each).
EXTRA_ROLES = {
    "deputy": Role.DEPUTY_LEADER,
    "leadership_member": Role.LEADERSHIP_MEMBER,
    "working_team": Role.WORKING_TEAM,
}


@pytest.fixture
def city(tree, people, catalog, places, tasks, officer_a):
    """A record of every kind in beat A: a call at every address (nobody home, so each task
    stays on the day's list and whichever task the walk opens shows a visit), a finding raised
    on one of them, an import job."""
    calls = {
        key: record(task, officer_a, outcome="nobody_home")
        for key, task in tasks.items()
        if task.beat_id == tree.beat_a.pk
    }
    visit = calls[places.dwellings[0].pk]
    finding_create(
        actor=officer_a,
        kind_code="hazard-fire",
        description="楼道内电动车飞线充电,堆放纸箱",
        place=places.dwellings[0],
        visit_id=visit.pk,
    )
    household = Household.objects.get(place=places.dwellings[0])
    reg.resident(household, name="王建国", relation=Person.Relation.HOUSEHOLDER)
    ImportJob.objects.create(
        kind=ImportJob.Kind.HOUSEHOLD,
        unit=tree.beat_a,
        created_by=officer_a,
        file_path="imports/roster.xlsx",
        file_name="文峰社区住户花名册.xlsx",
        status=ImportJob.Status.DONE,
        total_rows=12,
        processed_rows=12,
        accepted=11,
        rejected=1,
    )
    return tree


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _walk(client: Client) -> dict[str, str]:
    def get(url: str) -> tuple[int, str]:
        response = client.get(url, follow=True)
        return response.status_code, response.content.decode(errors="replace")

    return page_kinds(get)


def _too_wide(live_server, browser, client: Client, pages: dict[str, str]) -> dict[str, int]:
    context = browser.new_context(viewport={"width": PHONE, "height": 844})
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    wide = {}
    for url in pages.values():
        page.goto(f"{live_server.url}{url}", wait_until="load")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE:
            wide[url] = width
    context.close()
    return wide


# Detail pages the walks must reach between them (one of each kind of record).
DETAILS = {
    "/registry/places/N/",
    "/registry/persons/N/",
    "/registry/imports/N/",
    "/findings/N/",
    "/visits/N/",
    "/visits/tasks/N/",
    "/org/teams/N/",
    "/org/units/N/",
    "/org/people/N/",
}


@pytest.mark.django_db(transaction=True)
def test_every_page_of_every_role_fits_a_phone(request, live_server, browser, city):
    users = {role: request.getfixturevalue(role) for role in ROLES}
    for name, role in EXTRA_ROLES.items():
        users[name] = UserFactory(username=name, role=role, is_staff=role == Role.WORKING_TEAM)
    walked: set[str] = set()
    too_wide = {}
    for name, user in users.items():
        client = _client(user)
        pages = _walk(client)
        walked |= set(pages)
        too_wide[name] = _too_wide(live_server, browser, client, pages)
    # The walks reach past the menus: a detail page of every kind of record.
    assert walked >= DETAILS, sorted(DETAILS - walked)
    assert {name: wide for name, wide in too_wide.items() if wide} == {}
