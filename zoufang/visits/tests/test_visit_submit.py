"""Submitting a visit: each outcome, the team credited, the registry and findings updated,
bad input refused with what to fix, and idempotency by the client UUID."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from zoufang.findings.models import Finding
from zoufang.registry.models import Change, Household, Person
from zoufang.registry.tests.factories import id_number
from zoufang.visits.models import CorrectionRequest, TaskState, Visit, VisitMember
from zoufang.visits.services import VisitConflict, correction_decide, visit_submit
from zoufang.visits.tests.factories import photo_ahead, record, visit_input


def test_a_household_visit_updates_the_registry_with_history(
    household_task, officer_a, django_capture_on_commit_callbacks
):
    number = id_number()
    # The registry update runs once the visit has committed (eager Celery in tests).
    with django_capture_on_commit_callbacks(execute=True):
        visit = record(
            household_task,
            officer_a,
            answers={
                "householder_name": "李秀英",
                "householder_id": number,
                "householder_phone": "13912345678",
                "rented": "yes",
                "tenants": "张三一家三口",
                "satisfaction": "满意",
            },
            topics=["traffic", "drugs"],
            leaflets={"civility": 2},
        )
    household = Household.objects.get(place=household_task.place)
    assert household.use == Household.Use.RENTED
    assert household.tenants == "张三一家三口"
    assert household.householder.name == "李秀英"
    assert Person.objects.with_id_number(number).get() == household.householder
    assert Change.objects.filter(source="visit", reference=f"visit:{visit.pk}").exists()
    # The visit keeps the ID number masked only.
    assert number not in str(visit.answers)
    assert visit.answers["householder_id"].startswith(number[:4])
    assert visit.topic_count == 2
    assert visit.leaflet_count == 2
    household_task.refresh_from_db()
    assert household_task.state == TaskState.VISITED


def test_every_member_present_is_credited(household_task, officer_a, people):
    visit = record(household_task, officer_a, members=[people.co_a.pk, people.aux_a.pk])
    assert set(VisitMember.objects.filter(visit=visit).values_list("personnel_id", flat=True)) == {
        people.co_a.pk,
        people.aux_a.pk,
    }


def test_nobody_home_puts_the_task_back_flagged_for_off_hours(household_task, officer_a):
    record(household_task, officer_a, outcome="nobody_home")
    household_task.refresh_from_db()
    assert household_task.state == TaskState.RETRY
    assert household_task.retry_off_hours
    assert household_task.is_open
    # The retry is a second visit to the same task.
    record(household_task, officer_a)
    household_task.refresh_from_db()
    assert household_task.state == TaskState.VISITED
    assert household_task.attempts == 2
    assert not household_task.retry_off_hours


def test_refused_closes_the_task_as_refused(household_task, officer_a):
    record(household_task, officer_a, outcome="refused", note="拒绝开门")
    household_task.refresh_from_db()
    assert household_task.state == TaskState.REFUSED


@pytest.mark.parametrize("outcome", ["not_found", "demolished", "vacant"])
def test_an_address_problem_raises_a_correction_request(household_task, officer_a, outcome):
    visit = record(household_task, officer_a, outcome=outcome)
    request = CorrectionRequest.objects.get(visit=visit)
    assert request.reason == outcome
    assert request.place == household_task.place
    household_task.refresh_from_db()
    assert household_task.state == TaskState.INVALID


def test_applying_a_vacant_correction_marks_the_dwelling_vacant(household_task, officer_a, chief_a):
    visit = record(household_task, officer_a, outcome="vacant")
    correction_decide(request=visit.correction, actor=chief_a, apply=True)
    assert Household.objects.get(place=household_task.place).use == Household.Use.VACANT


def test_rejecting_a_correction_reopens_the_task(household_task, officer_a, chief_a):
    visit = record(household_task, officer_a, outcome="not_found")
    correction_decide(request=visit.correction, actor=chief_a, apply=False, note="地址无误")
    household_task.refresh_from_db()
    assert household_task.state == TaskState.PENDING


def test_a_community_officer_cannot_decide_a_correction(household_task, officer_a):
    visit = record(household_task, officer_a, outcome="demolished")
    with pytest.raises(PermissionDenied):
        correction_decide(request=visit.correction, actor=officer_a, apply=True)


def test_answers_with_a_finding_key_and_spot_findings_are_raised(
    household_task, officer_a, catalog
):
    visit = record(
        household_task,
        officer_a,
        answers={"householder_name": "王建国", "fire_hazard": "楼道电动车充电"},
        findings=[{"kind": "clue-vice", "description": "楼下疑似赌博窝点", "grade": "serious"}],
    )
    findings = Finding.objects.filter(visit_id=visit.pk).order_by("pk")
    assert [f.kind.code for f in findings] == ["hazard-fire", "clue-vice"]
    assert findings[1].grade == "serious"
    assert all(f.source == "visit" and f.place_id == household_task.place_id for f in findings)
    assert visit.finding_count == 2


def test_the_shop_form_updates_the_shop(
    tasks, places, officer_a, django_capture_on_commit_callbacks
):
    task = tasks[places.shop.pk]
    with django_capture_on_commit_callbacks(execute=True):
        record(
            task,
            officer_a,
            answers={"business_scope": "烟酒副食", "key_items": "yes", "satisfaction": "满意"},
        )
    shop = places.shop.shop
    shop.refresh_from_db()
    assert shop.business_scope == "烟酒副食"
    assert shop.key_items is True


def test_the_enterprise_form_updates_the_enterprise(
    tasks, places, officer_a, django_capture_on_commit_callbacks
):
    task = tasks[places.enterprise.pk]
    with django_capture_on_commit_callbacks(execute=True):
        record(
            task,
            officer_a,
            answers={"category": "医院学校", "security_org": "保卫处", "satisfaction": "满意"},
        )
    ent = places.enterprise.enterprise
    ent.refresh_from_db()
    assert ent.category == "hospital_school"
    assert ent.security_org == "保卫处"


# ---- bad input -----------------------------------------------------------------------------


def _refused(task, actor, **kw) -> dict:
    with pytest.raises(ValidationError) as exc:
        record(task, actor, **kw)
    return exc.value.message_dict


def test_a_future_visit_time_is_refused(household_task, officer_a):
    later = timezone.now() + dt.timedelta(hours=2)
    errors = _refused(household_task, officer_a, ended_at=later, started_at=later)
    assert "started_at" in errors


def test_an_end_before_the_start_is_refused(household_task, officer_a):
    now = timezone.now() - dt.timedelta(hours=1)
    errors = _refused(
        household_task, officer_a, started_at=now, ended_at=now - dt.timedelta(minutes=5)
    )
    assert "ended_at" in errors


def test_an_id_number_failing_its_checksum_is_refused(household_task, officer_a, submit_path):
    good = id_number()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    errors = _refused(
        household_task, officer_a, answers={"householder_name": "王", "householder_id": bad}
    )
    assert "q_householder_id" in errors
    assert Visit.objects.count() == 0


def test_a_required_answer_is_required_only_when_visited(household_task, officer_a):
    errors = _refused(household_task, officer_a, answers={"satisfaction": "满意"})
    assert "q_householder_name" in errors
    record(household_task, officer_a, outcome="nobody_home", answers={})


def test_a_member_of_another_team_cannot_be_credited(
    household_task, officer_a, people, submit_path
):
    errors = _refused(household_task, officer_a, members=[people.co_b.pk])
    assert "members" in errors


def test_a_task_outside_the_users_beat_is_not_theirs(tasks, places, officer_b, submit_path):
    task = tasks[places.dwellings[0].pk]
    with pytest.raises(Http404):  # as if it did not exist, like every access function
        record(task, officer_b)
    assert Visit.objects.count() == 0


def test_a_closed_task_takes_no_new_visit(household_task, officer_a, submit_path):
    record(household_task, officer_a)
    household_task.refresh_from_db()
    errors = _refused(household_task, officer_a)
    assert "task" in errors


# ---- idempotency ---------------------------------------------------------------------------


def test_the_same_uuid_and_payload_returns_the_first_visit(household_task, officer_a, submit_path):
    key = uuid.uuid4()
    data = visit_input(household_task)
    first = visit_submit(actor=officer_a, task_id=household_task.pk, data=data, client_uuid=key)
    again = visit_submit(actor=officer_a, task_id=household_task.pk, data=data, client_uuid=key)
    assert first.created
    assert not again.created
    assert again.visit.pk == first.visit.pk
    assert Visit.objects.count() == 1


def test_the_same_uuid_with_other_content_is_a_conflict(household_task, officer_a, submit_path):
    key = uuid.uuid4()
    data = visit_input(household_task)
    visit_submit(actor=officer_a, task_id=household_task.pk, data=data, client_uuid=key)
    data.note = "另一次"
    with pytest.raises(VisitConflict):
        visit_submit(actor=officer_a, task_id=household_task.pk, data=data, client_uuid=key)
    assert Visit.objects.count() == 1


def test_the_same_uuid_for_another_task_is_a_conflict(tasks, places, officer_a, submit_path):
    key = uuid.uuid4()
    first, other = tasks[places.dwellings[0].pk], tasks[places.dwellings[1].pk]
    record(first, officer_a, client_uuid=key)
    with pytest.raises(VisitConflict):
        record(other, officer_a, client_uuid=key)
    assert Visit.objects.count() == 1
    other.refresh_from_db()
    assert (other.state, other.attempts) == (TaskState.PENDING, 0)


def test_a_visit_is_written_with_everything_that_goes_with_it(
    tasks, places, officer_a, member_a, people, submit_path
):
    """Members, topics, leaflets, the task's new state and its event, and the photos the
    officer sent ahead (not a colleague's under the same UUID): on PostgreSQL's fast path one
    statement after the one that locks the task."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from zoufang.visits.models import TaskEvent, VisitLeaflet, VisitTopic

    record(tasks[places.dwellings[1].pk], officer_a)  # the forms and catalog are cached now
    task = tasks[places.dwellings[0].pk]
    data = visit_input(
        task,
        members=[people.co_a.pk, people.aux_a.pk],
        topics=["traffic", "drugs"],
        leaflets={"civility": 2, "crime-prevention": 1},
        latitude="34.0356789",
        longitude=113.852,
        gps_accuracy="12.6",
        note=" 敲门三次 ",
    )
    key = uuid.uuid4()
    mine = {photo_ahead(officer_a, key).pk, photo_ahead(officer_a, key).pk}
    theirs = photo_ahead(member_a, key)  # the same beat, but not who submits the visit
    with CaptureQueriesContext(connection) as queries:
        result = visit_submit(actor=officer_a, task_id=task.pk, data=data, client_uuid=key)
    # (A prepared statement's text is not kept by psycopg: Django logs it as None.)
    statements = [q for q in queries if not (q["sql"] or "").startswith(("SAVEPOINT", "RELEASE"))]
    if submit_path == "sql":
        assert len(statements) == 2
    elif connection.vendor == "postgresql":
        assert len(statements) > 2  # the ORM path, forced by the setting
    visit = Visit.objects.get(pk=result.visit.pk)
    assert set(visit.photos.values_list("pk", flat=True)) == mine
    assert result.visit.photo_total == 2
    theirs.refresh_from_db()
    assert theirs.visit_id is None
    assert set(visit.members.values_list("personnel_id", flat=True)) == {
        people.co_a.pk,
        people.aux_a.pk,
    }
    assert set(VisitTopic.objects.filter(visit=visit).values_list("item__code", flat=True)) == {
        "traffic",
        "drugs",
    }
    assert {
        (code, n)
        for code, n in VisitLeaflet.objects.filter(visit=visit).values_list(
            "item__code", "quantity"
        )
    } == {("civility", 2), ("crime-prevention", 1)}
    assert (visit.topic_count, visit.leaflet_count) == (2, 3)
    assert (str(visit.latitude), str(visit.longitude)) == ("34.035679", "113.852000")
    assert (visit.gps_accuracy, visit.note) == (12, "敲门三次")
    assert visit.answers == {"householder_name": "王建国", "satisfaction": "满意"}
    assert visit.created_at is not None
    assert visit.recorded_by == officer_a
    task.refresh_from_db()
    assert (task.state, task.attempts) == (TaskState.VISITED, 1)
    assert task.last_visit_at == data.ended_at
    event = TaskEvent.objects.get(task=task, action="visit")
    assert (event.old, event.new, event.actor) == ("pending", "visited", officer_a)
    assert result.task_state == TaskState.VISITED


def test_another_users_photo_sent_ahead_is_not_attached(
    household_task, officer_a, officer_b, submit_path
):
    """Someone who learnt a visit's UUID (here from another jurisdiction) cannot slip a photo
    into it: the visit is written without it, and the answer's photo count says so."""
    key = uuid.uuid4()
    stranger = photo_ahead(officer_b, key)
    result = visit_submit(
        actor=officer_a,
        task_id=household_task.pk,
        data=visit_input(household_task),
        client_uuid=key,
    )
    assert result.created
    assert result.visit.photo_total == 0
    assert not result.visit.photos.exists()
    stranger.refresh_from_db()
    assert stranger.visit_id is None


def test_another_users_photos_take_no_place_among_the_five(household_task, officer_a, officer_b):
    key = uuid.uuid4()
    for _ in range(5):
        photo_ahead(officer_b, key)
    photo_ahead(officer_a, key)  # not refused as a sixth
    visit = record(household_task, officer_a, client_uuid=key)
    assert visit.photos.count() == 1


def test_only_the_submitter_adds_a_photo_to_a_sent_visit(household_task, officer_a, member_a):
    visit = record(household_task, officer_a)
    with pytest.raises(PermissionDenied):
        photo_ahead(member_a, visit.client_uuid)
    assert photo_ahead(officer_a, visit.client_uuid).visit_id == visit.pk


def test_a_photo_uuid_resent_by_another_user_is_a_conflict(officer_a, member_a):
    from zoufang.visits.services import visit_photo_add
    from zoufang.visits.tests.factories import png

    key, photo = uuid.uuid4(), uuid.uuid4()
    visit_photo_add(actor=officer_a, visit_uuid=key, upload=png(), client_uuid=photo)
    with pytest.raises(VisitConflict):
        visit_photo_add(actor=member_a, visit_uuid=key, upload=png(), client_uuid=photo)
