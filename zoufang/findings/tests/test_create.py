"""Creation: validation, scope, numbers, duplicates and idempotency by client UUID."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from zoufang.findings.models import Finding, FindingTransition
from zoufang.findings.services.create import FindingConflict, finding_create
from zoufang.notifications.models import Notification


def test_a_finding_gets_a_readable_number(raise_finding, officer_a, tree):
    a = raise_finding(officer_a, description="第一件")
    b = raise_finding(officer_a, description="完全不同的第二件事情")
    assert a.number.startswith(f"{tree.s1.code}-")
    assert a.number.endswith("-001")
    assert b.number.endswith("-002")


def test_the_owner_unit_managers_are_notified(raise_finding, officer_a, chief_a):
    f = raise_finding(officer_a)
    n = Notification.objects.get(user=chief_a, kind="finding.raised")
    assert f.number in n.title


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"description": "  "}, "description"),
        ({"kind_code": "nope"}, "kind"),
        ({"resident_phone": "12345"}, "resident_phone"),
        ({"latitude": "123.5"}, "latitude"),
        ({"grade": "urgent"}, "grade"),
    ],
)
def test_bad_input_is_refused_with_a_message(catalog, officer_a, tree, kw, field):
    args = {"actor": officer_a, "kind_code": "dispute", "description": "说明", "beat": tree.beat_a}
    args.update(kw)
    with pytest.raises(ValidationError) as exc:
        finding_create(**args)
    assert field in exc.value.message_dict
    assert not Finding.objects.exists()


def test_a_place_outside_the_users_scope_is_refused(catalog, officer_a, tree):
    with pytest.raises(ValidationError, match="outside your jurisdiction"):
        finding_create(actor=officer_a, kind_code="dispute", description="x", beat=tree.beat_b)


def test_the_public_page_creates_without_an_actor(catalog, tree):
    f = finding_create(
        actor=None,
        kind_code="opinion",
        description="建议夜间加强巡逻",
        beat=tree.beat_b,
        source="public",
        reporter_name="群众",
        reporter_phone="13912345678",
    ).finding
    assert f.source == "public"
    assert f.reporter is None


def test_a_place_gives_the_beat(catalog, officer_a, tree):
    from zoufang.registry.models import Place

    place = Place.objects.create(
        beat=tree.beat_a,
        unit_path=tree.beat_a.path,
        kind="dwelling",
        address_code="T-1",
        address="文峰路12号3栋",
    )
    f = finding_create(
        actor=officer_a, kind_code="hazard-fire", description="楼道堆放电动车", place=place
    ).finding
    assert f.beat == tree.beat_a
    assert f.place == place
    assert f.place_text


def test_same_uuid_same_payload_returns_the_first(raise_finding, officer_a):
    key = uuid.uuid4()
    first = raise_finding(officer_a, client_uuid=key)
    again = finding_create(
        actor=officer_a,
        kind_code="dispute-neighbour",
        beat=first.beat,
        description="两户因楼道堆放杂物发生争吵",
        client_uuid=key,
    )
    assert again.created is False
    assert again.finding.pk == first.pk
    assert Finding.objects.count() == 1


def test_same_uuid_other_payload_is_a_conflict(raise_finding, officer_a):
    key = uuid.uuid4()
    raise_finding(officer_a, client_uuid=key)
    with pytest.raises(FindingConflict):
        raise_finding(officer_a, client_uuid=key, description="另一件事")
    assert Finding.objects.count() == 1


def test_a_possible_duplicate_is_marked(raise_finding, officer_a):
    first = raise_finding(officer_a, description="3号楼两户因楼道堆放杂物争吵")
    second = finding_create(
        actor=officer_a,
        kind_code="dispute-neighbour",
        beat=first.beat,
        description="3号楼两户因为楼道堆放杂物发生争吵",
    )
    assert second.duplicates == [first]
    assert second.finding.duplicate_of == first


def test_a_different_matter_is_not_a_duplicate(raise_finding, officer_a, tree):
    raise_finding(officer_a, description="3号楼两户因楼道堆放杂物争吵")
    other_kind = finding_create(
        actor=officer_a,
        kind_code="hazard-fire",
        beat=tree.beat_a,
        description="3号楼两户因楼道堆放杂物争吵",
    )
    other_text = finding_create(
        actor=officer_a,
        kind_code="dispute-neighbour",
        beat=tree.beat_a,
        description="菜市场摊贩占道经营",
    )
    assert other_kind.duplicates == []
    assert other_text.duplicates == []


def test_a_report_can_be_linked_instead_of_opening_a_second(raise_finding, officer_a):
    first = raise_finding(officer_a)
    result = finding_create(
        actor=officer_a,
        kind_code="dispute-neighbour",
        beat=first.beat,
        description="同一纠纷,又有邻居反映",
        link_to=first,
    )
    assert result.linked
    assert result.finding.pk == first.pk
    assert Finding.objects.count() == 1
    assert Finding.objects.get(pk=first.pk).report_count == 2
    assert FindingTransition.objects.filter(finding=first, action="link").exists()


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_identical_requests_create_one(tree, officer_a):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers")
    from zoufang.campaigns.services import departments_sync
    from zoufang.findings.catalog import catalog_sync

    departments_sync()
    catalog_sync()
    key = uuid.uuid4()
    results, errors = [], []
    barrier = threading.Barrier(20)

    def worker():
        from django.db import connections

        try:
            barrier.wait()
            r = finding_create(
                actor=officer_a,
                kind_code="dispute",
                beat=tree.beat_a,
                description="并发提交同一条线索",
                client_uuid=key,
            )
            results.append((r.finding.pk, r.created))
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({pk for pk, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert Finding.objects.filter(client_uuid=key).count() == 1


def _visit(campaign, beat):
    """A visit row in `beat` (its task too), written directly: only its place matters here."""
    import uuid as _uuid

    from django.utils import timezone

    from zoufang.visits.models import Visit, VisitTask

    task = VisitTask.objects.create(
        campaign=campaign, beat=beat, unit_path=beat.path, kind="household"
    )
    now = timezone.now()
    return Visit.objects.create(
        task=task,
        campaign=campaign,
        beat=beat,
        unit_path=beat.path,
        kind="household",
        outcome="visited",
        method="normal",
        started_at=now,
        ended_at=now,
        client_uuid=_uuid.uuid4(),
        payload_hash="x",
    )


def test_the_visit_link_is_checked(catalog, officer_a, campaign, tree):
    """`visit_id` is a plain column (docs/decisions/0005): the service checks the visit exists
    and lies in the finding's beat."""
    here = _visit(campaign, tree.beat_a)
    elsewhere = _visit(campaign, tree.beat_a2)
    args = {"actor": officer_a, "kind_code": "dispute", "description": "说明", "beat": tree.beat_a}
    for bad in (elsewhere.pk, elsewhere.pk + here.pk + 1000):
        with pytest.raises(ValidationError) as exc:
            finding_create(**args, visit_id=bad)
        assert "visit_id" in exc.value.message_dict
    assert not Finding.objects.exists()
    f = finding_create(**args, visit_id=here.pk).finding
    assert f.visit_id == here.pk
