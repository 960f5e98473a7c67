"""What a visit's form learns reaches the registry after the visit has committed: a Celery task
queued on commit (eager in tests) applies it once, whatever the number of messages, and a
sweep applies any update whose message was lost."""

from __future__ import annotations

import datetime as dt
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from zoufang.registry.models import Change, Household, Person
from zoufang.registry.tests.factories import id_number
from zoufang.visits.models import RegistryState, Visit
from zoufang.visits.services import visit_registry_apply, visit_registry_sweep
from zoufang.visits.tasks import (
    Outbox,
    visit_registry_apply_many_task,
    visit_registry_apply_task,
    visit_registry_sweep_task,
)
from zoufang.visits.tests.factories import record

ANSWERS = {"householder_name": "李秀英", "rented": "yes", "satisfaction": "满意"}


def _history(visit: Visit) -> int:
    return Change.objects.filter(source="visit", reference=f"visit:{visit.pk}").count()


def test_the_registry_changes_only_once_the_visit_has_committed(
    household_task, officer_a, django_capture_on_commit_callbacks
):
    number = id_number()
    answers = {**ANSWERS, "householder_id": number}
    with django_capture_on_commit_callbacks() as queued:
        visit = record(household_task, officer_a, answers=answers)
        # Inside the submission's transaction the registry is untouched and the update waits
        # on the visit, sealed: the ID number is not stored in clear.
        assert Household.objects.get(place=household_task.place).use != Household.Use.RENTED
        assert visit.registry_state == RegistryState.PENDING
        assert number not in visit.registry_answers
    assert len(queued) == 1
    queued[0]()  # the commit: eager Celery runs the task here
    visit.refresh_from_db()
    household = Household.objects.get(place=household_task.place)
    assert household.use == Household.Use.RENTED
    assert household.householder == Person.objects.with_id_number(number).get()
    assert visit.registry_state == RegistryState.APPLIED
    assert visit.registry_applied_at is not None
    assert visit.registry_answers == ""
    assert _history(visit) > 0


def test_a_duplicated_or_retried_message_applies_once(household_task, officer_a):
    visit = record(household_task, officer_a, answers=ANSWERS)  # the message is not sent yet
    assert visit_registry_apply_task.delay(visit.pk).get() is True
    changes = _history(visit)
    household = Household.objects.get(place=household_task.place)
    assert visit_registry_apply_task.delay(visit.pk).get() is False
    assert visit_registry_apply(visit_id=visit.pk) is False
    assert _history(visit) == changes
    assert Household.objects.get(place=household_task.place).updated_at == household.updated_at


def test_the_sweep_applies_an_update_whose_message_was_lost(household_task, officer_a):
    visit = record(household_task, officer_a, answers=ANSWERS)  # on_commit never fires here
    # A fresh visit is left to the queue...
    assert visit_registry_sweep_task.delay().get() == 0
    assert Visit.objects.get(pk=visit.pk).registry_state == RegistryState.PENDING
    # ...one that waited longer than the queue should take is applied.
    Visit.objects.filter(pk=visit.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    assert visit_registry_sweep_task.delay().get() == 1
    assert Household.objects.get(place=household_task.place).use == Household.Use.RENTED
    assert Visit.objects.get(pk=visit.pk).registry_state == RegistryState.APPLIED
    assert visit_registry_sweep(older_than=dt.timedelta(0)) == 0


def test_the_command_applies_every_pending_update_and_says_what_is_left(tasks, places, officer_a):
    first = record(tasks[places.dwellings[0].pk], officer_a, answers=ANSWERS)
    second = record(tasks[places.dwellings[1].pk], officer_a, answers=ANSWERS)
    out = StringIO()
    call_command("apply_visit_registry", stdout=out)
    assert "2 visit(s) applied to the registry; 0 still pending" in out.getvalue()
    assert {v.registry_state for v in Visit.objects.filter(pk__in=[first.pk, second.pk])} == {
        RegistryState.APPLIED
    }
    out = StringIO()
    call_command("apply_visit_registry", stdout=out)
    assert out.getvalue().startswith("0 visit(s) applied")


def test_a_refusal_by_the_registry_is_kept_on_the_visit_and_not_retried(household_task, officer_a):
    visit = record(household_task, officer_a, answers=ANSWERS)
    # The dwelling lost its household between the visit and the update.
    Household.objects.filter(place=household_task.place).delete()
    assert visit_registry_apply_task.delay(visit.pk).get() is False
    visit.refresh_from_db()
    assert visit.registry_state == RegistryState.FAILED
    assert visit.registry_error
    assert visit_registry_sweep(older_than=dt.timedelta(0)) == 0
    assert _history(visit) == 0


def test_a_call_that_reached_nobody_has_nothing_for_the_registry(
    household_task, officer_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        visit = record(household_task, officer_a, outcome="nobody_home", answers=ANSWERS)
    assert queued == []
    assert visit.registry_state == RegistryState.NONE
    assert visit.registry_answers == ""


def test_one_message_applies_several_visits_once_each(tasks, places, officer_a):
    first = record(tasks[places.dwellings[0].pk], officer_a, answers=ANSWERS)
    second = record(tasks[places.dwellings[1].pk], officer_a, answers=ANSWERS)
    # A duplicated id, as a retried message would carry it, is applied once.
    assert visit_registry_apply_many_task.delay([first.pk, second.pk, first.pk]).get() == 2
    assert visit_registry_apply_many_task.delay([first.pk, second.pk]).get() == 0
    for visit in (first, second):
        assert Visit.objects.get(pk=visit.pk).registry_state == RegistryState.APPLIED
        assert _history(visit) > 0


@pytest.mark.multiprocess  # the outbox's timer thread
def test_a_web_process_sends_the_visits_of_one_window_in_one_message():
    sent: list[list[int]] = []
    outbox = Outbox(sent.append, window=0.05)
    for pk in (11, 12, 13):
        outbox.add(pk)
    deadline = time.monotonic() + 5
    while not sent and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sent == [[11, 12, 13]]
    outbox.add(14)
    outbox.flush()  # what a stopping process does
    assert sent == [[11, 12, 13], [14]]


def test_a_broker_that_is_down_is_logged_and_left_to_the_sweep(caplog):
    def down(ids: list[int]) -> None:
        raise ConnectionError("broker down")

    outbox = Outbox(down, window=60)
    outbox.add(21)
    outbox.flush()  # logged; the sweep applies the visit later
    assert "not queued" in caplog.text
