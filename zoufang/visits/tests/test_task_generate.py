"""Generating tasks for a beat: one per place, balanced walkable batches, re-run adds only new."""

from __future__ import annotations

import pytest

from zoufang.org.tests.factories import PersonnelFactory, TeamFactory, TeamMemberFactory
from zoufang.registry.models import Place
from zoufang.registry.tests import factories as reg
from zoufang.visits.models import TaskEvent, VisitKind, VisitTask
from zoufang.visits.services import tasks_generate, tasks_reassign


def test_every_occupied_dwelling_shop_and_enterprise_gets_one_task(tasks, tree, places):
    beat_a = VisitTask.objects.filter(beat=tree.beat_a)
    expected = Place.objects.filter(beat=tree.beat_a).exclude(pk=places.vacant.pk).count() + 1
    assert beat_a.count() == expected
    assert beat_a.filter(kind=VisitKind.COMMUNITY).count() == 1
    assert not beat_a.filter(place=places.vacant).exists()
    assert beat_a.get(place=places.shop).kind == VisitKind.SHOP
    assert beat_a.get(place=places.enterprise).kind == VisitKind.ENTERPRISE
    assert set(beat_a.filter(kind=VisitKind.HOUSEHOLD).values_list("place_id", flat=True)) == {
        p.pk for p in places.dwellings
    }
    assert all(t.unit_path == tree.beat_a.path for t in beat_a)


def test_tasks_go_to_the_beats_own_team_with_a_history_row(tasks, tree, people):
    for task in VisitTask.objects.filter(beat=tree.beat_a):
        assert task.team == people.team_a
    assert VisitTask.objects.get(beat=tree.beat_b, kind="household").team == people.team_b
    assert TaskEvent.objects.filter(action="generate").count() == VisitTask.objects.count()


def test_regenerating_adds_only_the_new_place_and_keeps_reassignments(
    tasks, campaign, tree, people, places, chief_a
):
    second = TeamFactory(campaign=campaign, beat=tree.beat_a, name="文峰二组")
    moved = VisitTask.objects.get(place=places.dwellings[0])
    tasks_reassign(tasks=[moved], team=second, actor=chief_a, reason="就近")
    before = VisitTask.objects.filter(beat=tree.beat_a).count()
    new_place = reg.dwelling(tree.beat_a, road="文峰路", number="12", room="301")

    result = tasks_generate(campaign=campaign, beat=tree.beat_a, actor=chief_a)

    assert result.created == 1
    assert VisitTask.objects.filter(beat=tree.beat_a).count() == before + 1
    moved.refresh_from_db()
    assert moved.team == second
    # A new flat in a building already walked by a team goes to that team's batch.
    new_task = VisitTask.objects.get(place=new_place)
    assert new_task.batch == moved.batch
    assert tasks_generate(campaign=campaign, beat=tree.beat_a, actor=chief_a).created == 0


def test_batches_keep_a_building_together_and_loads_balanced(campaign, tree, people):
    second = TeamFactory(campaign=campaign, beat=tree.beat_a, name="文峰二组")
    TeamMemberFactory(
        team=second, personnel=PersonnelFactory(unit=tree.s1, deployed_to=tree.beat_a)
    )
    for number in ("1", "2", "3", "4"):
        for room in ("101", "102", "201", "202", "301"):
            reg.dwelling(tree.beat_a, road="建设路", number=number, room=room)

    tasks_generate(campaign=campaign, beat=tree.beat_a, actor=None)

    rows = VisitTask.objects.filter(beat=tree.beat_a, kind="household")
    for batch in set(rows.values_list("batch", flat=True)):
        assert rows.filter(batch=batch).values("team").distinct().count() == 1
    loads = [rows.filter(team=t).count() for t in (people.team_a, second)]
    assert abs(loads[0] - loads[1]) <= 5  # within one building
    assert min(loads) > 0


def test_a_beat_without_a_team_gets_unassigned_tasks(campaign, tree):
    reg.dwelling(tree.beat_a2, road="七里店路", number="1")
    tasks_generate(campaign=campaign, beat=tree.beat_a2, actor=None)
    assert VisitTask.objects.filter(beat=tree.beat_a2, team__isnull=True).count() == 2


def test_only_a_beat_gets_tasks(campaign, tree):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        tasks_generate(campaign=campaign, beat=tree.s1, actor=None)


def test_reassigning_to_another_beats_team_is_refused(tasks, places, people, chief_a):
    from django.core.exceptions import ValidationError

    task = VisitTask.objects.get(place=places.dwellings[0])
    with pytest.raises(ValidationError):
        tasks_reassign(tasks=[task], team=people.team_b, actor=chief_a)


def test_a_team_member_may_not_reassign(tasks, places, people, member_a, campaign, tree):
    from django.core.exceptions import PermissionDenied

    second = TeamFactory(campaign=campaign, beat=tree.beat_a, name="文峰二组")
    task = VisitTask.objects.get(place=places.dwellings[0])
    with pytest.raises(PermissionDenied):
        tasks_reassign(tasks=[task], team=second, actor=member_a)


def test_the_command_generates_for_every_beat_under_a_unit(campaign, tree, places, people):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("generate_visit_tasks", "--unit", tree.county_x.code, stdout=out)
    assert VisitTask.objects.filter(beat=tree.beat_a).exists()
    assert VisitTask.objects.filter(beat=tree.beat_a2, kind="community").exists()
    assert not VisitTask.objects.filter(beat=tree.beat_b).exists()
    assert "2 beats" in out.getvalue()
    call_command("generate_visit_tasks", "--unit", tree.county_x.code, stdout=StringIO())
    assert VisitTask.objects.filter(beat=tree.beat_a, kind="community").count() == 1


def test_orphan_photos_are_pruned_after_three_days(officer_a):
    import datetime as dt
    import uuid

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from zoufang.visits.models import VisitPhoto
    from zoufang.visits.services import visit_photo_add
    from zoufang.visits.tasks import photos_prune_orphans

    for age in (1, 4):
        photo, _ = visit_photo_add(
            actor=officer_a,
            visit_uuid=uuid.uuid4(),
            upload=SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n0000"),
        )
        VisitPhoto.objects.filter(pk=photo.pk).update(
            created_at=timezone.now() - dt.timedelta(days=age)
        )
    assert photos_prune_orphans() == 1
    assert VisitPhoto.objects.count() == 1
