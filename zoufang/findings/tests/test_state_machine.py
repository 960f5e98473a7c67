"""The life cycle: each change a row; illegal transitions refused with the state unchanged."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from zoufang.findings.access import allowed_actions
from zoufang.findings.models import Finding, FindingTransition, State
from zoufang.findings.services.workflow import FindingChanged, finding_transition


def _state(f):
    return Finding.objects.get(pk=f.pk).state


def test_the_whole_life_of_a_finding_is_recorded(raise_finding, act, officer_a, chief_a):
    f = raise_finding(officer_a)
    act(f, chief_a, "triage", comment="属实")
    act(f, chief_a, "assign", assignee=officer_a)
    act(f, officer_a, "start")
    act(f, officer_a, "resolve", comment="已调解,双方签订协议")
    act(f, officer_a, "follow_up", satisfied=True, comment="回访满意")
    act(f, chief_a, "close")
    f.refresh_from_db()
    assert f.state == State.CLOSED
    assert f.resolution == "已调解,双方签订协议"
    assert f.followup_satisfied is True
    rows = list(f.transitions.values_list("action", "from_state", "to_state"))
    assert rows == [
        ("raise", "", "raised"),
        ("triage", "raised", "triaged"),
        ("assign", "triaged", "assigned"),
        ("start", "assigned", "in_progress"),
        ("resolve", "in_progress", "resolved"),
        ("follow_up", "resolved", "followed_up"),
        ("close", "followed_up", "closed"),
    ]
    assert f.transitions.get(action="resolve").actor == officer_a


def test_an_unsatisfied_follow_up_reopens_it(raise_finding, act, resolve, officer_a, chief_a):
    f = raise_finding(officer_a)
    resolve(f, chief_a, officer_a)
    act(f, officer_a, "follow_up", satisfied=False, comment="群众不满意")
    f.refresh_from_db()
    assert f.state == State.IN_PROGRESS
    assert list(f.transitions.values_list("action", flat=True))[-2:] == ["follow_up", "reopen"]


@pytest.mark.parametrize("action", ["start", "resolve", "close", "follow_up", "accept"])
def test_an_action_not_allowed_from_the_state_is_refused(
    raise_finding, act, officer_a, chief_a, action
):
    f = raise_finding(officer_a)
    with pytest.raises(ValidationError, match="not possible"):
        act(f, chief_a, action, comment="x", satisfied=True)
    assert _state(f) == State.RAISED
    assert FindingTransition.objects.filter(finding=f).count() == 1


def test_a_required_comment_is_enforced(raise_finding, act, officer_a, chief_a):
    f = raise_finding(officer_a)
    act(f, chief_a, "triage")
    act(f, chief_a, "assign", assignee=officer_a)
    act(f, officer_a, "start")
    with pytest.raises(ValidationError, match="comment"):
        act(f, officer_a, "resolve", comment="  ")
    assert _state(f) == State.IN_PROGRESS


# Who may do what: (action, user fixture, allowed)
@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("chief_a", True),
        ("county_admin", True),
        ("office", True),
        ("officer_a", False),
        ("member_a", False),
        ("supervisor", False),
        ("leader", False),
    ],
)
def test_who_may_triage(raise_finding, act, officer_a, request, who, allowed):
    f = raise_finding(officer_a)
    user = request.getfixturevalue(who)
    if allowed:
        act(f, user, "triage")
        assert _state(f) == State.TRIAGED
    else:
        with pytest.raises(PermissionDenied):
            act(f, user, "triage")
        assert _state(f) == State.RAISED


def test_the_assignee_handles_but_another_officer_may_not(
    raise_finding, act, officer_a, chief_a, member_a
):
    f = raise_finding(officer_a)
    act(f, chief_a, "triage")
    act(f, chief_a, "assign", assignee=officer_a)
    with pytest.raises(PermissionDenied):
        act(f, member_a, "start")
    act(f, officer_a, "start")
    assert _state(f) == State.IN_PROGRESS


def test_chief_b_cannot_act_on_a_finding_of_beat_a(raise_finding, act, officer_a, chief_b):
    f = raise_finding(officer_a)
    with pytest.raises(PermissionDenied):
        act(f, chief_b, "triage")


def test_assigning_outside_the_owner_unit_is_refused(
    raise_finding, act, officer_a, chief_a, officer_b
):
    f = raise_finding(officer_a)
    act(f, chief_a, "triage")
    with pytest.raises(ValidationError, match="owner unit"):
        act(f, chief_a, "assign", assignee=officer_b)
    assert _state(f) == State.TRIAGED


def test_a_deadline_in_the_past_is_refused(raise_finding, act, officer_a, chief_a):
    import datetime as dt

    from django.utils import timezone

    f = raise_finding(officer_a)
    act(f, chief_a, "triage")
    with pytest.raises(ValidationError, match="past"):
        act(
            f,
            chief_a,
            "assign",
            assignee=officer_a,
            deadline=timezone.now() - dt.timedelta(hours=1),
        )
    assert _state(f) == State.TRIAGED


def test_triage_with_a_new_grade_reroutes(raise_finding, act, officer_a, chief_a, tree):
    f = raise_finding(officer_a)
    act(f, chief_a, "triage", grade="serious", kind_code="clue-fraud")
    f.refresh_from_db()
    assert f.owner_unit == tree.county_x
    assert f.owner_department.code == "xingzhen"
    assert f.transitions.last().data["grade"] == ["general", "serious"]


def test_return_sends_it_back_to_the_unit_above(
    raise_finding, act, officer_a, chief_a, county_admin, tree
):
    f = raise_finding(officer_a)
    with pytest.raises(ValidationError):
        act(f, chief_a, "return", comment="")
    act(f, chief_a, "return", comment="不属于本所辖区")
    f.refresh_from_db()
    assert f.state == State.RETURNED
    assert f.owner_unit == tree.county_x
    with pytest.raises(PermissionDenied):
        act(f, chief_a, "triage")  # the station no longer owns it
    act(f, county_admin, "triage")
    assert _state(f) == State.TRIAGED


def test_a_transfer_is_accepted_or_refused_by_the_receiving_unit(
    raise_finding, act, officer_a, chief_a, chief_b, tree
):
    f = raise_finding(officer_a)
    act(f, chief_a, "triage")
    act(f, chief_a, "transfer", unit=tree.s2, comment="实际发生在尚集辖区")
    assert _state(f) == State.TRANSFER_PENDING
    with pytest.raises(PermissionDenied):
        act(f, chief_a, "accept")
    act(f, chief_b, "refuse", comment="经核实不在本辖区")
    f.refresh_from_db()
    assert f.state == State.TRIAGED
    assert f.owner_unit == tree.s1
    act(f, chief_a, "transfer", unit=tree.s2, comment="再次核实后移交")
    act(f, chief_b, "accept")
    f.refresh_from_db()
    assert (f.state, f.owner_unit) == (State.TRIAGED, tree.s2)


def test_escalation_moves_ownership_to_the_parent(raise_finding, act, officer_a, chief_a, tree):
    f = raise_finding(officer_a)
    act(f, chief_a, "escalate", comment="涉及多个单位")
    f.refresh_from_db()
    assert (f.state, f.owner_unit, f.escalation_count) == (State.ESCALATED, tree.county_x, 1)


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("office", True), ("supervisor", True), ("chief_a", False), ("county_admin", False)],
)
def test_only_the_office_and_supervisors_set_督办(
    raise_finding, act, officer_a, request, who, allowed
):
    f = raise_finding(officer_a)
    user = request.getfixturevalue(who)
    if allowed:
        act(f, user, "supervise", comment="重点督办")
        assert Finding.objects.get(pk=f.pk).supervised
    else:
        with pytest.raises(PermissionDenied):
            act(f, user, "supervise")
        assert not Finding.objects.get(pk=f.pk).supervised


def test_the_second_of_two_concurrent_edits_is_told_it_changed(
    raise_finding, officer_a, chief_a, county_admin
):
    f = raise_finding(officer_a)
    seen_by_chief = Finding.objects.get(pk=f.pk)
    seen_by_county = Finding.objects.get(pk=f.pk)
    finding_transition(
        finding=seen_by_chief,
        actor=chief_a,
        action="triage",
        version=seen_by_chief.version,
        grade="general",
    )
    with pytest.raises(FindingChanged):
        finding_transition(
            finding=seen_by_county,
            actor=county_admin,
            action="triage",
            version=seen_by_county.version,
            grade="serious",
        )
    f.refresh_from_db()
    assert f.grade == "general"
    assert f.transitions.filter(action="triage").count() == 1


def test_allowed_actions_lists_what_the_user_may_do(raise_finding, officer_a, chief_a, supervisor):
    f = raise_finding(officer_a)
    assert {a.name for a in allowed_actions(chief_a, f)} >= {
        "triage",
        "return",
        "transfer",
        "escalate",
    }
    assert {a.name for a in allowed_actions(officer_a, f)} == set()
    assert {a.name for a in allowed_actions(supervisor, f)} == {"supervise"}
