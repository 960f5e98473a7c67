"""The action table of the state machine: each action's label, the states it starts from,
the state it leads to and who may do it (the rules of `who` are in `access.py`; what each
action changes is in `services/workflow.py`). See docs/decisions/findings-workflow.md."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zoufang.core.roles import Role
from zoufang.findings.models import OPEN_STATES, State

SUPERVISING_ROLES = frozenset({Role.OFFICE, Role.WORKING_TEAM, Role.SUPERVISOR})


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: frozenset[str]
    target: str | None  # None: decided by the action (refuse, supervise)
    who: str  # owner, handler, followup, transfer_target, supervisor
    needs_comment: bool = False


S = State
# name, label, from states, to state, who, needs a comment
_TABLE = [
    ("triage", gettext_lazy("Triage"), {S.RAISED, S.RETURNED, S.ESCALATED}, S.TRIAGED, "owner"),
    ("assign", gettext_lazy("Assign"), {S.TRIAGED, S.ESCALATED, S.ASSIGNED}, S.ASSIGNED, "owner"),
    ("start", gettext_lazy("Start handling"), {S.ASSIGNED}, S.IN_PROGRESS, "handler"),
    ("resolve", gettext_lazy("Resolve"), {S.IN_PROGRESS}, S.RESOLVED, "handler", True),
    ("follow_up", gettext_lazy("Record follow-up"), {S.RESOLVED}, S.FOLLOWED_UP, "followup"),
    ("close", gettext_lazy("Close the finding"), {S.FOLLOWED_UP}, S.CLOSED, "owner"),
    ("reopen", gettext_lazy("Reopen"), {S.FOLLOWED_UP, S.CLOSED}, S.IN_PROGRESS, "owner", True),
    (
        "return",
        gettext_lazy("Return as misrouted"),
        {S.RAISED, S.TRIAGED, S.ASSIGNED},
        S.RETURNED,
        "handler",
        True,
    ),
    (
        "transfer",
        gettext_lazy("Transfer to another unit"),
        {S.RAISED, S.TRIAGED, S.ASSIGNED, S.IN_PROGRESS},
        S.TRANSFER_PENDING,
        "owner",
        True,
    ),
    (
        "accept",
        gettext_lazy("Accept transfer"),
        {S.TRANSFER_PENDING},
        S.TRIAGED,
        "transfer_target",
    ),
    (
        "refuse",
        gettext_lazy("Refuse transfer"),
        {S.TRANSFER_PENDING},
        None,
        "transfer_target",
        True,
    ),
    (
        "escalate",
        gettext_lazy("Escalate to the parent unit"),
        OPEN_STATES - {S.TRANSFER_PENDING},
        S.ESCALATED,
        "owner",
        True,
    ),
    ("supervise", gettext_lazy("Mark 督办"), set(State.values) - {S.CLOSED}, None, "supervisor"),
    ("unsupervise", gettext_lazy("Lift 督办"), set(State.values), None, "supervisor"),
]

ACTIONS: dict[str, Action] = {
    name: Action(name, label, frozenset(sources), target, *rest)
    for name, label, sources, target, *rest in _TABLE
}


def event_label(action: str) -> str:
    """A label for a timeline row: the actions, plus the events the system writes."""
    if action in ACTIONS:
        return str(ACTIONS[action].label)
    return {
        "raise": _("Raised"),
        "overdue": _("Marked overdue"),
        "link": _("Another report linked"),
        "refer": _("Referred to a co-handling body"),
        "referral_feedback": _("Feedback from the co-handling body"),
    }.get(action, action)
