from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from zoufang.findings.models import Finding, FindingTransition
from zoufang.research.models import Problem
from zoufang.research.services import topics


@pytest.fixture
def problem(topic, researcher, zhian):
    return topics.problem_record(
        actor=researcher,
        topic=topic,
        description="出租房屋登记信息更新不及时",
        root_cause="房东报告意识弱",
        countermeasure="推行房东扫码自主申报",
        owner_department=zhian,
    )


def test_a_problem_needs_cause_countermeasure_and_owner(topic, researcher):
    with pytest.raises(ValidationError) as exc:
        topics.problem_record(
            actor=researcher,
            topic=topic,
            description="x",
            root_cause="",
            countermeasure=" ",
            owner_department=None,
        )
    assert set(exc.value.message_dict) == {"root_cause", "countermeasure", "owner_department"}


def test_the_office_turns_a_problem_into_a_routed_finding(problem, office, tree, client_for):
    r = client_for(office).post(
        reverse("research:problem_finding", args=[problem.pk]),
        {"kind": "security-problem", "beat": tree.beat_a.code, "grade": ""},
    )
    assert r.status_code == 302
    problem.refresh_from_db()
    finding = Finding.objects.get()
    assert problem.disposition == Problem.Disposition.FINDING
    assert problem.finding == finding
    # Routed by the findings service like any other: the kind's department, the beat's chain.
    assert finding.owner_department.code == "zhian"
    assert finding.unit_path == tree.beat_a.path
    assert problem.description in finding.description
    assert FindingTransition.objects.filter(finding=finding, action="raise").exists()
    # Once handed on, not twice.
    client_for(office).post(
        reverse("research:problem_finding", args=[problem.pk]),
        {"kind": "security-problem", "beat": tree.beat_a.code},
    )
    assert Finding.objects.count() == 1


def test_a_researcher_may_not_log_a_finding_and_another_department_gets_404(
    problem, researcher, researcher_jj, tree, client_for
):
    data = {"kind": "security-problem", "beat": tree.beat_a.code}
    assert (
        client_for(researcher)
        .post(reverse("research:problem_finding", args=[problem.pk]), data)
        .status_code
        == 403
    )
    assert (
        client_for(researcher_jj)
        .post(reverse("research:problem_finding", args=[problem.pk]), data)
        .status_code
        == 404
    )
    assert (
        client_for(researcher_jj)
        .post(reverse("research:problem_task", args=[problem.pk]), {"due": "2099-01-01"})
        .status_code
        == 404
    )
    assert not Finding.objects.exists()


def test_a_problem_becomes_a_task_with_a_future_due_date(problem, researcher, client_for):
    c = client_for(researcher)
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    c.post(reverse("research:problem_task", args=[problem.pk]), {"due": past})
    problem.refresh_from_db()
    assert problem.disposition == Problem.Disposition.OPEN
    due = timezone.localdate() + dt.timedelta(days=7)
    c.post(reverse("research:problem_task", args=[problem.pk]), {"due": due.isoformat()})
    problem.refresh_from_db()
    assert (problem.disposition, problem.task_due) == (Problem.Disposition.TASK, due)
    c.post(reverse("research:problem_task", args=[problem.pk]), {"done": "1"})
    problem.refresh_from_db()
    assert problem.task_done_on == timezone.localdate()
