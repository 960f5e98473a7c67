"""The home pages read every app: the visits tests' records (the findings catalog, addresses
of beats A and B, their visit tasks) are shared here."""

from types import SimpleNamespace

import pytest

from zoufang.findings.services.create import finding_create
from zoufang.registry.models import Household
from zoufang.registry.tests import factories as reg
from zoufang.visits.tests.conftest import catalog, places, tasks  # noqa: F401 (fixtures)


@pytest.fixture
def world(tree, people, campaign, catalog, tasks, places):  # noqa: F811
    """Real objects of county Y (beat B): a resident with an ID number and a phone, a
    finding, an address with its visit task (the deny-by-default and mass-assignment tests)."""
    household = Household.objects.filter(place=places.beat_b).first()
    id_number = reg.id_number()
    resident = reg.resident(household, name="丁秀英", id_no=id_number, phone="13912345678")
    finding = finding_create(
        actor=None, kind_code="dispute-neighbour", beat=tree.beat_b, description="丁庄村口路灯损坏"
    ).finding
    task = next(t for t in tasks.values() if t.beat_id == tree.beat_b.pk and t.place_id)
    return SimpleNamespace(
        resident=resident,
        id_number=id_number,
        finding=finding,
        task=task,
        place=places.beat_b,
        tree=tree,
        people=people,
    )
