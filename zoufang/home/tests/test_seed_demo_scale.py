"""What `seed_demo --scale` means (beats multiply, households per beat stay realistic) and the
PostgreSQL path (COPY and set-based SQL) giving the same kinds of records as the ORM path."""

from __future__ import annotations

import statistics
from io import StringIO

import pytest

from zoufang.campaigns.services import campaign_create_from_template
from zoufang.core.roles import Role
from zoufang.home import demo
from zoufang.org.models import User
from zoufang.registry.crypto import decrypt, lookup_hash
from zoufang.registry.demo import build_registry_orm
from zoufang.registry.demo_rows import PREDECESSORS, PREFECTURE_CODE, households_for
from zoufang.registry.models import Household, KeyPerson, Person, Place, Shop
from zoufang.registry.normalize import parse_id_number
from zoufang.visits.models import Visit, VisitMember, VisitTask, VisitTopic


def _org(scale: int, **options) -> demo.DemoContext:
    ctx = demo.context(stdout=StringIO(), scale=scale, **options)
    return demo.run_steps(ctx, demo.STEPS[:2])  # the campaign and the organisation


def test_the_help_says_what_scale_means():
    from zoufang.home.management.commands.seed_demo import Command

    text = " ".join(Command().create_parser("manage.py", "seed_demo").format_help().split())
    assert "N × 150 beats" in text
    assert "scale 20 (3,000 beats" in text
    assert "200–1,000 a beat" in text


def test_scale_multiplies_the_beats_and_not_the_households_per_beat(db):
    assert demo.context(stdout=None).households_per_beat == demo.SMALL_DEMO_HOUSEHOLDS
    assert demo.context(stdout=None, realistic=True).households_per_beat is None
    two = _org(2)
    assert len(two.org.beats) == 300
    assert two.households_per_beat is None  # realistic
    sizes = {b.beat_kind: [] for b in two.org.beats}
    for beat in two.org.beats:
        sizes[beat.beat_kind].append(households_for(beat))
    every = [n for group in sizes.values() for n in group]
    assert min(every) >= 200
    assert max(every) <= 1000
    assert len(set(every)) > 100  # they vary from beat to beat
    assert statistics.mean(sizes["community"]) > statistics.mean(sizes["village"]) + 100
    # 3,000 beats of this mix make a city of about 1.4 M households.
    assert 1.2e6 < statistics.mean(every) * 3000 < 1.6e6


def test_a_realistic_beat_holds_its_households_and_their_residents(db):
    ctx = _org(1, realistic=True)
    community = next(b for b in ctx.org.beats if b.beat_kind == "community")
    village = next(b for b in ctx.org.beats if b.beat_kind == "village")
    totals = build_registry_orm([community, village], households_per_beat=None)
    for beat in (community, village):
        n = Household.objects.filter(place__beat=beat).count()
        assert n == households_for(beat)
        assert 200 <= n <= 1000
    # About 3.1 residents a household (the Xuchang city's 4.4 M persons in 1.4 M households).
    assert 2.8 < totals["persons"] / totals["households"] < 3.4
    _check_registry()


def _check_registry() -> None:
    """Every resident has a valid ID number that decrypts, with its keyed hash and the
    county's region code; every occupied household has its first resident as householder."""
    for person in Person.objects.select_related("household__place__beat")[:500]:
        number = decrypt(person.id_enc)
        parsed, sex, birth = parse_id_number(number)
        assert (parsed, sex, birth) == (number, person.sex, person.birth_date)
        assert person.id_hash == lookup_hash(number)
        county = person.household.place.beat.code[:6]
        if birth.year >= 1997:  # every county had its present code (or 建安's 许昌县) by then
            assert number[:6] in {county, *PREDECESSORS.get(county, [])}
        else:
            assert number[:6] in {county, *PREDECESSORS.get(county, []), PREFECTURE_CODE}
    occupied = Household.objects.exclude(use=Household.Use.VACANT)
    assert not occupied.filter(householder__isnull=True).exists()
    assert not Household.objects.filter(use=Household.Use.VACANT, residents__isnull=False).exists()
    for household in occupied.select_related("householder")[:200]:
        first = household.residents.order_by("pk").first()
        assert household.householder == first
        assert first.relation == Person.Relation.HOUSEHOLDER
    assert Person.objects.filter(separated=True).exists()
    assert KeyPerson.objects.exists()
    assert Shop.objects.exists()


@pytest.mark.postgres
def test_the_copy_path_builds_the_same_kinds_of_records(db):
    from zoufang.visits.selectors import coverage_children, places_without_task
    from zoufang.visits.services import tasks_generate

    ctx = _org(1, households_per_beat=12, bulk_sql=True)
    steps = [s for s in demo.STEPS[2:] if s[0] != "findings"]
    demo.run_steps(ctx, steps)
    # As seed_demo does after its last step: the later steps (the patrol's planted county)
    # write tasks in bulk, and the rollups are recounted once from the raw records.
    from zoufang.visits.rollups import rollups_rebuild

    rollups_rebuild(campaign_id=ctx.campaign.pk)
    assert Household.objects.count() == 150 * 12
    _check_registry()
    places = Place.objects.exclude(kind=Place.Kind.KEY_AREA).exclude(
        household__use=Household.Use.VACANT
    )
    # The residents' visit requests from the public page (the outreach step) are appointment
    # tasks on the list beside the generated ones; they have no registry place.
    everything = VisitTask.objects.filter(campaign=ctx.campaign)
    from zoufang.outreach.models import PublicSubmission

    requested = PublicSubmission.objects.filter(task_id__isnull=False).values("task_id")
    assert everything.filter(pk__in=requested, place__isnull=True).count() == 2
    tasks = everything.exclude(pk__in=requested)
    assert tasks.count() == places.count() + 150  # and one community visit per beat
    assert not tasks.filter(team__isnull=True).exists()
    # The set-based tasks are the ones the generation service makes (for another campaign).
    fields = ("kind", "place", "batch", "address", "sort_key")
    other = campaign_create_from_template(
        start_date=ctx.campaign.start_date, code="other", make_current=False
    )
    assert other.pk != ctx.campaign.pk
    for beat in ctx.org.beats[:3]:
        tasks_generate(campaign=other, beat=beat, actor=None)
        made = set(tasks.filter(beat=beat).values_list(*fields))
        assert len(made) > 12
        assert made == set(VisitTask.objects.filter(campaign=other, beat=beat).values_list(*fields))
    assert places_without_task(beat=ctx.org.beats[1], campaign=ctx.campaign) == 0
    # A third or so called on by day 11, with their members and topics; coverage adds up.
    visits = Visit.objects.filter(campaign=ctx.campaign)
    assert 0.25 < visits.values("task").distinct().count() / tasks.count() < 0.45
    assert VisitMember.objects.count() > visits.count()
    assert VisitTopic.objects.exists()
    leader = User.objects.create(username="t-leader", role=Role.LEADER)
    own, children = coverage_children(leader, unit=ctx.org.city, campaign=ctx.campaign)
    assert own.total.total == everything.count() == sum(c.total.total for c in children)
    assert own.total.visited == tasks.filter(state="visited").count() > 0
    assert own.total.attempted == tasks.filter(attempts__gt=0).count()
