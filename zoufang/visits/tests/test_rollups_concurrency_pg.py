"""The rollups stay right under concurrent submissions (PostgreSQL, threads): every open task
of the city submitted at once from its own thread and connection, retries and all, then every
figure at every level compared with a direct count — on both submission paths."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from django.db import connections
from django.utils import timezone

from zoufang.visits.models import Visit, VisitTask
from zoufang.visits.services import VisitInput, visit_submit
from zoufang.visits.tests.test_rollups_consistency import _check_everything, city  # noqa: F401

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.multiprocess,
]


def _data(task: VisitTask, members: list[int], outcome: str) -> VisitInput:
    end = timezone.now() - dt.timedelta(minutes=2)
    return VisitInput(
        outcome=outcome,
        started_at=end - dt.timedelta(minutes=10),
        ended_at=end,
        members=members,
        answers=(
            {"householder_name": "王建国"}
            if task.kind == "household"
            else {"met": ["网格员"]}
            if task.kind == "community"
            else {}
        )
        if outcome == "visited"
        else {},
        topics=["traffic", "drugs"] if outcome == "visited" else [],
        leaflets={"civility": 2} if outcome == "visited" else {},
    )


def test_concurrent_submissions_keep_every_figure_right(city, campaign, submit_path):  # noqa: F811
    tasks = list(VisitTask.objects.filter(state="pending").select_related("team"))
    members = {
        t.pk: list(t.team.members.values_list("personnel_id", flat=True)) if t.team else []
        for t in tasks
    }
    barrier = threading.Barrier(len(tasks))
    errors: list[BaseException] = []

    def worker(task: VisitTask, n: int) -> None:
        try:
            barrier.wait()
            # Every third address: nobody home, then found in on the second call.
            outcomes = ["nobody_home", "visited"] if n % 3 == 0 else ["visited"]
            for outcome in outcomes:
                visit_submit(
                    actor=city,
                    task_id=task.pk,
                    data=_data(task, members[task.pk], outcome),
                    client_uuid=uuid.uuid4(),
                )
        except BaseException as exc:  # reported below, with the thread's traceback
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(t, n)) for n, t in enumerate(tasks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    assert Visit.objects.filter(outcome="visited").count() == len(tasks)
    assert not VisitTask.objects.filter(state="pending").exists()
    _check_everything(campaign)
