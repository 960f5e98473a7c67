"""Cross-inspection: the pairing's constraints on many random trees, the office's adjusted
pairing checked too, and an inspection recorded with its checklist, result and photos."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from zoufang.core.roles import Role
from zoufang.org.tests.factories import UnitFactory, UserFactory
from zoufang.supervision.models import CrossInspection, CrossPairing
from zoufang.supervision.services import pairing as svc
from zoufang.supervision.services.inspection import inspection_record
from zoufang.supervision.tests.conftest import make_visit
from zoufang.visits.tests.factories import png


@pytest.fixture(autouse=True)
def _english():
    """The messages are matched in English (the UI default is Chinese)."""
    with translation.override("en"):
        yield


@dataclass(frozen=True)
class N:
    pk: int
    path: str
    name: str = ""


def random_forest(rng: random.Random, size: int) -> list[N]:
    """`size` nodes; each hangs under an earlier one or starts a new root."""
    nodes: list[N] = []
    for i in range(size):
        parent = rng.choice(nodes) if nodes and rng.random() < 0.4 else None
        nodes.append(N(pk=i + 1, path=f"{parent.path if parent else ''}{i + 1}/"))
    return nodes


def pairing_exists_without_two_cycles(nodes: list[N]) -> bool:
    return svc._search(nodes, random.Random(1), avoid_pairs=True) is not None


def check(nodes: list[N], mapping: dict[int, int]) -> None:
    by = {n.pk: n for n in nodes}
    assert sorted(mapping) == sorted(by)
    assert sorted(mapping.values()) == sorted(by)  # each inspected exactly once
    for a, b in mapping.items():
        assert a != b
        assert not by[a].path.startswith(by[b].path)
        assert not by[b].path.startswith(by[a].path)
    if pairing_exists_without_two_cycles(nodes):
        assert svc.two_cycles(mapping) == []


def test_constraints_hold_on_many_random_trees():
    rng = random.Random(411000)
    checked = 0
    for _ in range(400):
        nodes = random_forest(rng, rng.randint(2, 12))
        try:
            mapping = svc.generate(nodes, rng)
        except ValidationError:
            # Only when no permutation avoids every relative: prove it by brute force.
            assert svc._search(nodes, random.Random(2), avoid_pairs=False) is None
            continue
        check(nodes, mapping)
        svc.validate(nodes, mapping)  # the generated pairing passes the office's check
        checked += 1
    assert checked > 200


def test_siblings_form_no_two_cycles_from_three_up():
    rng = random.Random(5)
    for size in range(3, 30):
        nodes = [N(pk=i, path=f"0/{i}/") for i in range(1, size + 1)]
        for _ in range(5):
            mapping = svc.generate(nodes, rng)
            check(nodes, mapping)
            assert svc.two_cycles(mapping) == []


def test_two_units_inspect_each_other_because_they_must():
    nodes = [N(1, "0/1/"), N(2, "0/2/")]
    assert svc.generate(nodes, random.Random(1)) == {1: 2, 2: 1}


def test_three_units_make_a_cycle():
    nodes = [N(1, "0/1/"), N(2, "0/2/"), N(3, "0/3/")]
    for seed in range(10):
        mapping = svc.generate(nodes, random.Random(seed))
        assert svc.two_cycles(mapping) == []
        assert len(set(mapping.values())) == 3


def test_fewer_than_two_units_is_a_clear_message():
    for nodes in ([], [N(1, "0/1/")]):
        with pytest.raises(ValidationError, match="at least two units"):
            svc.generate(nodes, random.Random(1))


def test_a_parent_and_its_child_cannot_be_paired():
    with pytest.raises(ValidationError, match="No pairing is possible"):
        svc.generate([N(1, "1/"), N(2, "1/2/")], random.Random(1))


def test_adjusted_pairings_are_checked():
    nodes = [N(1, "0/1/", "甲"), N(2, "0/2/", "乙"), N(3, "0/3/", "丙"), N(4, "0/4/", "丁")]
    with pytest.raises(ValidationError, match="itself"):
        svc.validate(nodes, {1: 1, 2: 3, 3: 4, 4: 2})
    with pytest.raises(ValidationError, match="exactly one"):
        svc.validate(nodes, {1: 2, 2: 3, 3: 2, 4: 1})
    with pytest.raises(ValidationError, match="甲 and 乙 would inspect each other"):
        svc.validate(nodes, {1: 2, 2: 1, 3: 4, 4: 3})
    svc.validate(nodes, {1: 2, 2: 3, 3: 4, 4: 1})
    with pytest.raises(ValidationError, match="its parent or its child"):
        svc.validate([N(1, "1/", "甲"), N(2, "1/2/", "乙"), N(3, "3/", "丙")], {1: 2, 2: 3, 3: 1})


@pytest.fixture
def stations(tree):
    s3 = UnitFactory(code="411002002", name="五一路派出所", parent=tree.county_x)
    s4 = UnitFactory(code="411002003", name="新兴派出所", parent=tree.county_x)
    return [tree.s1, s3, s4]


def test_office_generates_adjusts_and_confirms(
    campaign, office, tree, stations, tasks, client_for, catalog
):
    visits = [make_visit(t) for t in tasks.a]
    c = client_for(office)
    r = c.post("/supervision/inspections/pairings/", {"parent": tree.county_x.pk})
    pairing = CrossPairing.objects.get()
    assert r.status_code == 302
    assert pairing.state == "draft"
    s1, s3, s4 = stations
    # An adjustment that makes a unit inspect itself is refused, with a message.
    r = c.post(
        f"/supervision/inspections/pairings/{pairing.pk}/",
        {
            "action": "adjust",
            f"target-{s1.pk}": s1.pk,
            f"target-{s3.pk}": s4.pk,
            f"target-{s4.pk}": s3.pk,
        },
    )
    assert r.status_code == 422
    assert svc.current_mapping(pairing) != {s1.pk: s1.pk, s3.pk: s4.pk, s4.pk: s3.pk}
    r = c.post(
        f"/supervision/inspections/pairings/{pairing.pk}/",
        {
            "action": "adjust",
            f"target-{s1.pk}": s4.pk,
            f"target-{s3.pk}": s1.pk,
            f"target-{s4.pk}": s3.pk,
        },
    )
    assert r.status_code == 302
    assert svc.current_mapping(pairing) == {s1.pk: s4.pk, s3.pk: s1.pk, s4.pk: s3.pk}
    c.post(f"/supervision/inspections/pairings/{pairing.pk}/", {"action": "confirm"})
    pairing.refresh_from_db()
    assert pairing.state == "confirmed"
    of_s1 = CrossInspection.objects.get(target=s1)
    assert of_s1.state == "open"
    assert sorted(of_s1.sample_visit_ids) == sorted(v.pk for v in visits)
    with pytest.raises(ValidationError):
        svc.pairing_adjust(pairing=pairing, mapping={s1.pk: s3.pk, s3.pk: s4.pk, s4.pk: s1.pk})


def test_pairing_the_stations_of_a_county_with_one_station(campaign, office, tree):
    with pytest.raises(ValidationError, match="at least two units"):
        svc.pairing_create(campaign=campaign, parent=tree.county_y, actor=office)


@pytest.fixture
def open_inspection(campaign, office, tree, stations):
    pairing = svc.pairing_create(campaign=campaign, parent=tree.county_x, actor=office, seed=3)
    svc.pairing_confirm(pairing=pairing, actor=office)
    return CrossInspection.objects.get(target=tree.s1)


def test_recording_an_inspection(open_inspection, chief_a, client_for, tree):
    insp = open_inspection
    inspector_chief = UserFactory(
        username="chief_insp", role=Role.STATION_CHIEF, unit=insp.inspector
    )
    c = client_for(inspector_chief)
    r = c.post(f"/supervision/inspections/{insp.pk}/", {"people_deployed": "yes", "result": "good"})
    assert r.status_code == 422
    insp.refresh_from_db()
    assert insp.state == "open"
    r = c.post(
        f"/supervision/inspections/{insp.pk}/",
        {
            "people_deployed": "yes",
            "work_done": "yes",
            "discipline": "no",
            "focuses_covered": "yes",
            "result": "adequate",
            "evidence": "走访记录与现场不符一处",
            "photos": [png("a.png"), png("b.png")],
        },
    )
    assert r.status_code == 302
    insp.refresh_from_db()
    assert insp.state == "done"
    assert insp.checklist_score == 75.0
    assert insp.photos.count() == 2
    photo = insp.photos.first()
    assert c.get(f"/supervision/inspections/photos/{photo.pk}/").status_code == 200
    # The inspected station sees the result about itself.
    assert client_for(chief_a).get(f"/supervision/inspections/{insp.pk}/").status_code == 200


def test_only_the_inspecting_side_records_and_others_get_404(
    open_inspection, chief_a, chief_b, county_admin, client_for
):
    insp = open_inspection
    # The inspected station, and the county above both, do not record it.
    assert (
        client_for(county_admin).post(f"/supervision/inspections/{insp.pk}/", {}).status_code == 403
    )
    with pytest.raises(PermissionDenied):
        inspection_record(
            inspection=insp,
            actor=chief_a,
            checklist={k: "yes" for k in CrossInspection.CHECKLIST},
            result="good",
            evidence="自己查自己",
        )
    assert client_for(chief_b).get(f"/supervision/inspections/{insp.pk}/").status_code == 404
    assert client_for(chief_b).get("/supervision/inspections/").context["inspections"].count() == 0
    assert (
        client_for(chief_b).get(f"/supervision/inspections/pairings/{insp.pairing_id}/").status_code
        == 404
    )


def test_not_a_photo_is_refused(open_inspection, office):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    with pytest.raises(ValidationError, match=r"x\.png"):
        inspection_record(
            inspection=open_inspection,
            actor=office,
            checklist={k: "yes" for k in CrossInspection.CHECKLIST},
            result="good",
            evidence="e",
            photos=[bad],
        )
