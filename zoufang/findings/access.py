"""Who may see, read and change a finding. Each rule is written once and spelled twice from
that one definition: as a `Q` for lists and as a Python check for one finding in hand.

- **See** (the row exists for the user): the territory chain (`unit_path`), the owner chain
  (`owner_path`), and a unit asked to take it over (`transfer_path`) — the last only for what
  the user may read there: a sensitive clue pending a transfer is seen (and read) in the
  receiving unit's chain only by holders of the sensitive-clue permission, who must be able
  to accept it; nobody else there learns it exists.
- **Read** (the content, not just the number): `sensitive_reach` — everything, a unit path,
  or nothing — applied to the owner chain and to a pending transfer's receiving chain.
  Non-sensitive findings are readable by everyone who sees them.
- **Change**: the action table's `who` (see `actions.py`); referring to a co-handling body
  and recording its feedback: who handles it (`may_refer`).
"""

from __future__ import annotations

from django.db.models import Q
from django.shortcuts import get_object_or_404

from zoufang.core.roles import Role
from zoufang.core.scope import EVERYTHING, NOTHING, Scope, user_manages, user_scope
from zoufang.findings.actions import ACTIONS, SUPERVISING_ROLES, Action
from zoufang.findings.models import Finding, Referral, is_leadership
from zoufang.org.models import User

# ---- seeing a finding ----------------------------------------------------------------------


def visible_q(scope: Scope, *, sensitive_too: bool = False) -> Q:
    """The rows a user with `scope` sees (a scope that is neither everything nor nothing);
    `sensitive_too`: the user holds the sensitive-clue permission over that scope.

    The prefix spelling (`Scope.prefix_q`, not the range `Scope.q`) is measured: with three
    ORed path columns it lets the ledger walk the `(created_at, id)` index (see core.scope)."""
    transfer = scope.prefix_q("transfer_path")
    return (
        scope.prefix_q("unit_path")
        | scope.prefix_q("owner_path")
        # Through a pending transfer alone, a sensitive clue only for who may read it there.
        | (transfer if sensitive_too else transfer & Q(sensitive=False))
    )


def path_sees(path: str, finding: Finding, *, sensitive_too: bool = False) -> bool:
    """`visible_q` for one finding and the scope of the unit at `path`."""
    if finding.unit_path.startswith(path) or finding.owner_path.startswith(path):
        return True
    return bool(finding.transfer_path.startswith(path) and (sensitive_too or not finding.sensitive))


def sees_sensitive_transfers(user: User, scope: Scope) -> bool:
    """Does the user read sensitive clues over all of `scope` (so also those sent to it)?"""
    return sensitive_reach(user) == scope


def may_see(user: User, finding: Finding) -> bool:
    """`FindingQuerySet.visible_to` for one finding."""
    scope = user_scope(user)
    if scope.nothing:
        return False
    return scope.everything or path_sees(
        scope.path, finding, sensitive_too=sees_sensitive_transfers(user, scope)
    )


def get_finding_for_user(user: User, pk: int) -> Finding:
    """The finding if the user sees it (see the module docstring); 404 otherwise."""
    return get_object_or_404(
        Finding.objects.visible_to(user).select_related(
            "kind",
            "kind__parent",
            "beat",
            "owner_unit",
            "co_unit",
            "owner_department",
            "assignee",
            "reporter",
            "transfer_to",
            "duplicate_of",
            "place",
        ),
        pk=pk,
    )


def department_q(user: User) -> Q:
    """What a department researcher reads until the research module exists: the findings
    routed to their department (`owner_department`), never a sensitive clue, read-only."""
    if user.role != Role.RESEARCHER or user.department_id is None:
        return Q(pk__in=[])
    return Q(owner_department_id=user.department_id, sensitive=False)


# ---- reading its content -------------------------------------------------------------------


def sensitive_reach(user: User) -> Scope:
    """Whose sensitive clues the user reads: everything (the leadership; the permission with a
    campaign-wide scope), those owned under a path (the permission with a unit scope), or
    nothing. The one definition behind `readable_q` and `can_read`."""
    if is_leadership(user):
        return EVERYTHING
    if getattr(user, "can_view_sensitive", False):
        return user_scope(user)
    return NOTHING


def readable_q(user: User) -> Q:
    """The rows whose content the user may read."""
    reach = sensitive_reach(user)
    if reach.everything:
        return Q()
    if reach.nothing:
        return Q(sensitive=False)
    return Q(sensitive=False) | reach.prefix_q("owner_path") | reach.prefix_q("transfer_path")


def can_read(user: User, finding: Finding) -> bool:
    """`readable_q` for one finding."""
    if not finding.sensitive:
        return True
    reach = sensitive_reach(user)
    return reach.contains(finding.owner_path) or reach.contains(finding.transfer_path)


def may_see_personal_data(user: User, finding: Finding) -> bool:
    """Full phone numbers for the owner chain's managers and the assignee; masked otherwise."""
    return finding.assignee_id == user.pk or user_manages(user, finding.owner_path)


# ---- changing it ---------------------------------------------------------------------------


def _manages_owner(user: User, f: Finding) -> bool:
    if user_manages(user, f.owner_path):
        return True
    return f.co_unit_id is not None and user_manages(user, f.co_unit.path)


def _may_follow_up(user: User, f: Finding) -> bool:
    return (
        f.assignee_id == user.pk
        or _manages_owner(user, f)
        or (user.unit_id == f.beat_id and user.role in {Role.COMMUNITY_OFFICER})
    )


# Who may do an action, by the action table's `who`.
_WHO = {
    "owner": _manages_owner,
    "handler": lambda user, f: f.assignee_id == user.pk or _manages_owner(user, f),
    "followup": _may_follow_up,
    "transfer_target": lambda user, f: (
        f.transfer_to_id is not None and user_manages(user, f.transfer_to.path)
    ),
    "supervisor": lambda user, f: bool(user.is_superuser or user.role in SUPERVISING_ROLES),
}


def may_do(user: User | None, f: Finding, action: Action) -> bool:
    """The permission rule of each action (see docs/decisions/findings-workflow.md)."""
    if user is None:  # the system (sweep)
        return action.name == "escalate"
    rule = _WHO.get(action.who)
    return bool(rule and rule(user, f))


def allowed_actions(user: User, f: Finding) -> list[Action]:
    """The actions the user may do on the finding now (the buttons on its page)."""
    out = []
    for a in ACTIONS.values():
        if f.state not in a.sources or not may_do(user, f, a):
            continue
        if a.name == "supervise" and f.supervised:
            continue
        if a.name == "unsupervise" and not f.supervised:
            continue
        if a.name == "close" and f.followup_satisfied is not True:
            continue
        if a.name in {"escalate", "return"} and f.owner_unit.parent_id is None:
            continue
        out.append(a)
    return out


# ---- co-handling referrals -----------------------------------------------------------------


def may_refer(user: User, f: Finding) -> bool:
    """Refer the finding to a co-handling body, or record its feedback: who handles it (the
    assignee, the owner chain's managers). The finding must be readable to them."""
    return can_read(user, f) and _WHO["handler"](user, f)


def get_referral_for_user(user: User, pk: int) -> Referral:
    """The referral if the user sees its finding; 404 otherwise (missing or outside)."""
    referral = get_object_or_404(Referral.objects.only("pk", "finding_id"), pk=pk)
    finding = get_finding_for_user(user, referral.finding_id)
    return get_object_or_404(Referral.objects.filter(finding=finding), pk=pk)
