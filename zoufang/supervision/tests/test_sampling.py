"""On-site verification: the stratified sample, reproducible from its seed; a supervisor
never verifies their own unit; the confirmed rate per unit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from zoufang.core.roles import Role
from zoufang.org.tests.factories import UserFactory
from zoufang.registry.tests import factories as reg
from zoufang.supervision.models import VerificationTask
from zoufang.supervision.services import sampling
from zoufang.supervision.services.verification import verification_record
from zoufang.supervision.tests.conftest import make_visit
from zoufang.visits.models import VisitTask
from zoufang.visits.services import tasks_generate

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_visits(campaign, tree, people, tasks):
    """Completed visits: 40 in station S1 (beat A), 12 in station S2 (beat B), plus two
    visits not completed (not in the population)."""
    for n in range(36):
        reg.dwelling(tree.beat_a, road="七一路", number=str(100 + n))
    for n in range(10):
        reg.dwelling(tree.beat_b, road="丁庄二街", number=str(100 + n))
    tasks_generate(campaign=campaign, beat=tree.beat_a, actor=None)
    tasks_generate(campaign=campaign, beat=tree.beat_b, actor=None)
    a = list(VisitTask.objects.filter(beat=tree.beat_a, place__isnull=False).order_by("pk"))
    b = list(VisitTask.objects.filter(beat=tree.beat_b, place__isnull=False).order_by("pk"))
    visits = [make_visit(t) for t in a[:40]] + [make_visit(t) for t in b[:12]]
    make_visit(a[0], outcome="nobody_home")
    make_visit(b[0], outcome="refused")
    return visits


def _draw(campaign, office, **kw):
    kw.setdefault("percent", Decimal("10"))
    kw.setdefault("minimum", 3)
    return sampling.sample_create(campaign=campaign, actor=office, **kw)


def test_sizes_follow_the_rule_per_station(campaign, office, tree, city_visits):
    sample = _draw(campaign, office, percent=Decimal("10"), minimum=3)
    by_station = {
        path: VerificationTask.objects.filter(sample=sample, unit_path__startswith=path).count()
        for path in (tree.s1.path, tree.s2.path)
    }
    # S1: 10 % of 40 = 4; S2: 10 % of 12 = 1.2 → 2, raised to the minimum of 3.
    assert by_station == {tree.s1.path: 4, tree.s2.path: 3}
    assert sample.population == 52
    assert sample.size == 7
    # Only completed visits are drawn.
    assert (
        not VerificationTask.objects.filter(sample=sample)
        .exclude(visit__outcome="visited")
        .exists()
    )


def test_the_same_seed_draws_the_same_sample(campaign, office, tree, city_visits):
    sample = _draw(campaign, office, seed=20260621)
    recorded = sorted(sample.tasks.values_list("visit_id", flat=True))
    again = _draw(campaign, office, seed=20260621)
    assert sorted(again.tasks.values_list("visit_id", flat=True)) == recorded
    other = _draw(campaign, office, seed=7)
    assert sorted(other.tasks.values_list("visit_id", flat=True)) != recorded
    # Later visits do not change the audit: the population is fixed by its last id.
    more = list(VisitTask.objects.filter(beat=tree.beat_a, state="pending", place__isnull=False))
    for t in more[:3]:
        make_visit(t)
    assert sampling.sample_redraw(sample) == recorded


def test_a_sample_larger_than_its_population_is_refused_with_a_message(
    campaign, office, city_visits
):
    with pytest.raises(ValidationError) as exc:
        _draw(campaign, office, minimum=20)
    message = " ".join(exc.value.messages)
    assert "尚集派出所" in message
    assert "12" in message
    assert not VerificationTask.objects.exists()
    # Asked to, it takes every visit of the smaller station instead.
    sample = _draw(campaign, office, minimum=20, take_all_when_short=True)
    assert sample.size == 20 + 12


def test_the_page_says_so_too(campaign, office, city_visits, client_for):
    r = client_for(office).post(
        "/supervision/verification/samples/", {"percent": "2", "minimum": "50"}, follow=True
    )
    # The message names the station that is too small.
    assert "尚集派出所" in r.content.decode()
    assert not VerificationTask.objects.exists()
    r = client_for(office).post(
        "/supervision/verification/samples/", {"percent": "abc", "minimum": "3"}, follow=True
    )
    assert not VerificationTask.objects.exists()
    assert r.status_code == 200


def test_supervisors_are_never_given_their_own_unit(campaign, office, tree, city_visits):
    own_x = UserFactory(username="sup_x", role=Role.SUPERVISOR, unit=tree.county_x)
    own_y = UserFactory(username="sup_y", role=Role.SUPERVISOR, unit=tree.county_y)
    sample = _draw(campaign, office)
    for t in sample.tasks.all():
        assert t.supervisor_id == (
            own_y.pk if t.unit_path.startswith(tree.county_x.path) else own_x.pk
        )


def test_a_supervisor_cannot_verify_their_own_unit(campaign, office, tree, city_visits, client_for):
    own_x = UserFactory(username="sup_x", role=Role.SUPERVISOR, unit=tree.county_x)
    sample = _draw(campaign, office)
    task = sample.tasks.filter(unit_path__startswith=tree.county_x.path).first()
    task.supervisor = None
    task.save()
    with pytest.raises(PermissionDenied):
        verification_record(
            task=task,
            actor=own_x,
            method="phone",
            happened="yes",
            facts_right="yes",
            satisfaction="satisfied",
        )
    r = client_for(own_x).post(
        f"/supervision/verification/{task.pk}/",
        {"method": "phone", "happened": "yes", "facts_right": "yes", "satisfaction": "satisfied"},
    )
    task.refresh_from_db()
    assert task.state == "open"
    assert "own unit" in r.content.decode() or "本单位" in r.content.decode()


def test_recording_a_verification_and_the_confirmed_rate(
    campaign, office, tree, city_visits, client_for, supervisor
):
    sample = _draw(campaign, office)
    tasks = list(sample.tasks.filter(unit_path__startswith=tree.s1.path))
    VerificationTask.objects.filter(pk__in=[t.pk for t in tasks]).update(supervisor=supervisor)
    c = client_for(supervisor)
    r = c.post(
        f"/supervision/verification/{tasks[0].pk}/", {"method": "on_site", "happened": "yes"}
    )
    assert r.status_code == 422  # facts and satisfaction missing
    answers = [("yes", "yes"), ("yes", "yes"), ("yes", "no"), ("no", "")]
    for t, (happened, facts) in zip(tasks, answers, strict=True):
        data = {
            "method": "phone",
            "happened": happened,
            "facts_right": facts,
            "satisfaction": "satisfied" if happened == "yes" else "",
            "note": "" if happened == "yes" else "住户说没人来过",
        }
        assert c.post(f"/supervision/verification/{t.pk}/", data).status_code == 302
    r = client_for(office).get("/supervision/verification/", {"unit": tree.county_x.pk})
    rates = {row.unit.code: row for row in r.context["rates"]}
    s1 = rates[tree.s1.code]
    assert (s1.done, s1.confirmed, s1.not_happened) == (4, 2, 1)
    assert s1.rate == 50.0


def test_units_see_their_own_verification_only(
    campaign, office, tree, city_visits, client_for, county_admin
):
    sample = _draw(campaign, office)
    foreign = sample.tasks.filter(unit_path__startswith=tree.county_y.path).first()
    c = client_for(county_admin)
    assert c.get(f"/supervision/verification/{foreign.pk}/").status_code == 404
    r = c.get("/supervision/verification/")
    assert (
        r.context["page"].paginator.count
        == sample.tasks.filter(unit_path__startswith=tree.county_x.path).count()
    )
    assert c.get("/supervision/verification/", {"unit": tree.county_y.pk}).status_code == 404
    assert (
        c.post("/supervision/verification/samples/", {"percent": "2", "minimum": "1"}).status_code
        == 403
    )


def test_stratum_of_cuts_at_the_station():
    assert (
        sampling.stratum_of("411000/411002/411002001/411002001001/") == "411000/411002/411002001/"
    )
    assert sampling.stratum_size(40, Decimal("2"), 3) == 3
    assert sampling.stratum_size(1000, Decimal("2"), 3) == 20
