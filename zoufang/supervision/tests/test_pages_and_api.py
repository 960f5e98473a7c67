"""Every supervision page renders for the roles that have it, is 404 for the rest; the phase
changes what comes first; the API serves a supervisor's phone."""

from __future__ import annotations

from decimal import Decimal

import pytest

from zoufang.campaigns.models import Phase
from zoufang.core.roles import Role
from zoufang.org.tests.factories import UserFactory
from zoufang.supervision.selectors.common import pages_for_phase
from zoufang.supervision.services import sampling
from zoufang.supervision.tests.conftest import make_visit

pytestmark = pytest.mark.django_db

PAGES = [
    "/supervision/",
    "/supervision/settings/",
    "/supervision/deployment/",
    "/supervision/verification/",
    "/supervision/inspections/",
    "/supervision/scores/",
    "/supervision/lists/",
    "/supervision/deepening/",
]


@pytest.mark.parametrize("role", ["office", "supervisor", "leader", "county_admin", "chief_a"])
def test_pages_render_for_those_who_have_them(role, request, campaign, client_for, people):
    user = request.getfixturevalue(role)
    c = client_for(user)
    for url in PAGES:
        assert c.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ["officer_a", "member_a", "researcher"])
def test_pages_are_404_for_the_rest(role, request, campaign, client_for):
    c = client_for(request.getfixturevalue(role))
    for url in PAGES:
        assert c.get(url).status_code == 404, url
    assert c.get("/api/v1/supervision/scores").status_code == 404


def test_the_phase_puts_its_work_first(campaign, office, client_for):
    assert pages_for_phase(Phase.Kind.PREPARATION)[0][0] == "deployment"
    assert pages_for_phase(Phase.Kind.VISITING)[0][0] == "verification"
    assert pages_for_phase(Phase.Kind.DEEPENING)[0][0] == "deepening"
    r = client_for(office).get("/supervision/")
    kind = campaign.current_phase.kind
    assert r.context["pages"][0][0] == pages_for_phase(kind)[0][0]
    api = client_for(office).get("/api/v1/supervision/phase-focus").json()
    assert api["pages"][0] == pages_for_phase(kind)[0][0]


def test_nav_shows_supervision_to_supervisors_only(campaign, supervisor, officer_a, client_for):
    assert 'href="/supervision/"' in client_for(supervisor).get("/").content.decode()
    assert 'href="/supervision/"' not in client_for(officer_a).get("/").content.decode()


@pytest.fixture
def sample(campaign, office, tasks):
    for t in tasks.a + tasks.b:
        make_visit(t)
    return sampling.sample_create(campaign=campaign, actor=office, percent=Decimal(100), minimum=0)


def test_a_supervisor_verifies_through_the_api(sample, tree, client_for):
    sup = UserFactory(username="sup_y", role=Role.SUPERVISOR, unit=tree.county_y)
    sample.tasks.update(supervisor=None)
    c = client_for(sup)
    mine = c.get("/api/v1/supervision/verification/tasks").json()
    # Only county X's visits: county Y is the supervisor's own.
    assert {t["beat_id"] for t in mine} == {tree.beat_a.pk}
    task_id = mine[0]["id"]
    r = c.post(
        f"/api/v1/supervision/verification/tasks/{task_id}",
        {"method": "phone", "happened": True},
        content_type="application/json",
    )
    assert r.status_code == 422
    assert "satisfaction" in r.json()["detail"]
    r = c.post(
        f"/api/v1/supervision/verification/tasks/{task_id}",
        {"method": "phone", "happened": True, "facts_right": True, "satisfaction": "satisfied"},
        content_type="application/json",
    )
    assert r.status_code == 200
    assert r.json()["state"] == "done"
    own = sample.tasks.filter(beat=tree.beat_b).first()
    r = c.post(
        f"/api/v1/supervision/verification/tasks/{own.pk}",
        {"method": "phone", "happened": True, "facts_right": True, "satisfaction": "satisfied"},
        content_type="application/json",
    )
    assert r.status_code == 403


def test_the_sample_audit_page_confirms_the_draw(sample, office, client_for):
    r = client_for(office).get(f"/supervision/verification/samples/{sample.pk}/")
    assert r.context["matches"] is True
    assert r.context["redrawn"] == sample.size


def test_scores_api_is_scoped(campaign, tasks, county_admin, tree, client_for):
    c = client_for(county_admin)
    rows = c.get("/api/v1/supervision/scores").json()
    assert [r["unit_id"] for r in rows] == [tree.s1.pk]
    assert c.get(f"/api/v1/supervision/scores?unit={tree.county_y.pk}").status_code == 404
