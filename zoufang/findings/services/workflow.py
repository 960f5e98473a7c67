"""The state machine: `finding_transition` is the single entry point for every change of
state; it checks the state, the actor and the version, and writes one `FindingTransition`
row per change. The action table is `findings/actions.py`, who may do what `access.py`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zoufang.core.scope import user_scope
from zoufang.findings import rollups
from zoufang.findings.access import may_do, path_sees
from zoufang.findings.actions import ACTIONS, Action
from zoufang.findings.models import (
    Finding,
    FindingAttachment,
    FindingKind,
    FindingTransition,
    Grade,
    State,
)
from zoufang.findings.services.notices import finding_url
from zoufang.findings.services.routing import apply_route, grade_rule, route
from zoufang.notifications.services import notify
from zoufang.org.models import Unit, User


class FindingChanged(Exception):
    """Someone else changed the finding since the user loaded it (optimistic locking)."""

    def __init__(self, finding: Finding) -> None:
        self.finding = finding
        super().__init__(
            _(
                "Finding %(number)s was changed by someone else in the meantime. "
                "Nothing was saved: reload it and try again."
            )
            % {"number": finding.number}
        )


@transaction.atomic
def finding_transition(
    *,
    finding: Finding,
    actor: User | None,
    action: str,
    version: int | None,
    comment: str = "",
    kind_code: str | None = None,
    grade: str | None = None,
    assignee: User | None = None,
    unit: Unit | None = None,
    deadline: dt.datetime | None = None,
    satisfied: bool | None = None,
    files: list[Any] = (),  # type: ignore[assignment]
    now: dt.datetime | None = None,
) -> Finding:
    """Apply one action to a finding. Refused (nothing changes) when the action is unknown,
    not allowed from the current state or for this actor, misses its comment or target, or
    when `version` is not the current one (someone else changed it: FindingChanged)."""
    now = now or timezone.now()
    comment = (comment or "").strip()
    a, f = _locked_and_checked(finding, actor=actor, action=action, version=version)
    if a.needs_comment and not comment:
        raise ValidationError({"comment": _("“%(action)s” needs a comment.") % {"action": a.label}})
    from_state = f.state
    counted = rollups.signature(f)  # what it counts for now; the rollups follow the change
    before = Finding(
        unit_path=f.unit_path,
        owner_path=f.owner_path,
        transfer_path=f.transfer_path,
        sensitive=f.sensitive,
    )
    data: dict[str, Any] = {}
    notify_units: list[Unit] = []
    notify_users: list[User] = []
    handler = getattr(_Handlers, "return_" if a.name == "return" else a.name)
    f.state = handler(
        f,
        actor=actor,
        comment=comment,
        kind_code=kind_code,
        grade=grade,
        assignee=assignee,
        unit=unit,
        deadline=deadline,
        satisfied=satisfied,
        now=now,
        data=data,
        notify_units=notify_units,
        notify_users=notify_users,
    )
    f.version += 1
    f.sync_due()
    f.save()
    row = FindingTransition.step(f, a.name, actor, from_state=from_state, at=now, comment=comment)
    row.data = data
    row.save()
    for upload in files or ():
        FindingAttachment.objects.create(
            finding=f, transition=row, file=upload, name=upload.name[:200], uploaded_by=actor
        )
    _tell(f, a, before, comment=comment, actor=actor, units=notify_units, users=notify_users)
    if a.name == "follow_up" and satisfied is False:
        _reopen_unsatisfied(f, actor=actor, now=now)
    rollups.signature_move([counted], [rollups.signature(f)])
    return f


def _locked_and_checked(
    finding: Finding, *, actor: User | None, action: str, version: int | None
) -> tuple[Action, Finding]:
    """The action and the finding locked for update, once the action is known, possible from
    its state, allowed to the actor and the version current."""
    a = ACTIONS.get(action)
    if a is None:
        raise ValidationError(_("Unknown action: %(action)s.") % {"action": action})
    f = (
        Finding.objects.select_for_update(of=("self",))
        .select_related("owner_unit", "co_unit", "transfer_to", "kind", "beat")
        .get(pk=finding.pk)
    )
    if version is not None and f.version != version:
        raise FindingChanged(f)
    if f.state not in a.sources:
        raise ValidationError(
            _("“%(action)s” is not possible while the finding is %(state)s.")
            % {"action": a.label, "state": f.get_state_display()}
        )
    if not may_do(actor, f, a):
        raise PermissionDenied(_("You may not “%(action)s” this finding.") % {"action": a.label})
    return a, f


def _sees(path: str | None, f: Finding, before: Finding) -> bool:
    """Does a unit scope see the finding, before or after the change?"""
    return path is not None and (path_sees(path, before) or path_sees(path, f))


def _tell(
    f: Finding,
    a: Action,
    before: Finding,
    *,
    comment: str,
    actor: User | None,
    units: list[Unit],
    users: list[User],
) -> None:
    """Notify the units and people the handler named, but only those who see the finding
    (before or after the change): a unit asked to take over a sensitive clue it cannot read
    does not see it, so it does not hear of it either."""
    units = [u for u in units if _sees(u.path, f, before)]
    users = [
        u
        for u in users
        if u is not None
        and u != actor
        and (user_scope(u).everything or _sees(user_scope(u).path, f, before))
    ]
    if units or users:
        notify(
            kind=f"finding.{a.name}",
            title=_("%(number)s: %(action)s") % {"number": f.number, "action": a.label},
            body=comment[:200] if not f.sensitive else "",
            url=finding_url(f),
            users=users,
            units=units,
        )


def _reopen_unsatisfied(f: Finding, *, actor: User | None, now: dt.datetime) -> None:
    """An unsatisfied follow-up reopens the finding at once (a second row)."""
    f.state = State.IN_PROGRESS
    f.version += 1
    f.resolved_at = None
    f.escalate_at = _escalate_after(f, now)
    f.sync_due()
    f.save(update_fields=["state", "version", "resolved_at", "escalate_at", "due_at", "updated_at"])
    FindingTransition.step(
        f,
        "reopen",
        actor,
        from_state=State.FOLLOWED_UP,
        at=now,
        comment=_("The resident is not satisfied: handling starts again."),
    ).save()
    notify(
        kind="finding.reopen",
        title=_("%(number)s reopened: the resident is not satisfied") % {"number": f.number},
        url=finding_url(f),
        users=[f.assignee] if f.assignee_id else [],
        unit=f.owner_unit,
    )


def _escalate_after(f: Finding, now: dt.datetime) -> dt.datetime | None:
    """The second deadline of a finding handled again: escalation days after the later of
    its deadline and now (none once the city owns it)."""
    if f.owner_unit.parent_id is None:
        return None
    return max(f.deadline, now) + dt.timedelta(days=grade_rule(f.grade).escalate_after_days)


def _parent_of(unit: Unit) -> Unit:
    if unit.parent_id is None:
        raise ValidationError(_("The city bureau has no parent unit."))
    return Unit.objects.get(pk=unit.parent_id)


def _set_owner(f: Finding, unit: Unit) -> None:
    f.owner_unit = unit
    f.owner_path = unit.path


class _Handlers:
    """One function per action: changes the finding's fields, returns the new state."""

    @staticmethod
    def triage(f: Finding, *, kind_code, grade, now, data, actor, **_kw) -> str:
        kind = f.kind
        if kind_code and kind_code != f.kind.code:
            kind = FindingKind.objects.filter(code=kind_code, is_active=True).first()
            if kind is None:
                raise ValidationError(
                    {"kind": _("Unknown finding kind: %(code)s.") % {"code": kind_code}}
                )
            data["kind"] = [f.kind.code, kind.code]
        grade = grade or f.grade
        if grade not in Grade.values:
            raise ValidationError({"grade": _("Unknown grade.")})
        if grade != f.grade:
            data["grade"] = [f.grade, grade]
        changed = kind.pk != f.kind_id or grade != f.grade
        f.kind, f.grade = kind, grade
        f.sensitive = kind.sensitive or bool(kind.parent_id and kind.parent.sensitive)
        if changed:
            # A new kind or grade is routed again; the deadline counts from when the finding
            # was raised. Unchanged, it stays with the unit that holds it (after a return or
            # an escalation that is the unit above).
            r = route(kind=kind, grade=grade, beat=f.beat)
            old_owner = f.owner_unit_id
            apply_route(f, r, start=f.created_at)
            f.is_overdue = f.deadline < now
            f.was_overdue = f.was_overdue or f.is_overdue
            if r.owner_unit.pk != old_owner:
                data["owner"] = r.owner_unit.name
                _kw["notify_units"].append(r.owner_unit)
        f.triaged_at = f.triaged_at or now
        return State.TRIAGED

    @staticmethod
    def assign(f: Finding, *, assignee, unit, deadline, now, data, actor, **kw) -> str:
        if assignee is None and unit is None:
            raise ValidationError({"assignee": _("Choose a person or a unit to assign it to.")})
        if deadline is not None:
            if deadline <= now:
                raise ValidationError({"deadline": _("The deadline cannot be in the past.")})
            f.deadline = deadline
            f.is_overdue = False
            data["deadline"] = deadline.isoformat()
        if unit is not None:
            if not unit.path.startswith(f.owner_path) or unit.level < Unit.Level.STATION:
                raise ValidationError(
                    {"unit": _("Assign to a station or beat under the owner unit.")}
                )
            _set_owner(f, unit)
            f.assignee = None
            data["unit"] = unit.name
            kw["notify_units"].append(unit)
        if assignee is not None:
            anchor_path = assignee.unit.path if assignee.unit_id else ""
            if not assignee.is_active or not anchor_path.startswith(f.owner_path):
                raise ValidationError(
                    {"assignee": _("Assign to a person of the owner unit or below it.")}
                )
            f.assignee = assignee
            data["assignee"] = assignee.display_name
            kw["notify_users"].append(assignee)
        f.triaged_at = f.triaged_at or now
        return State.ASSIGNED

    @staticmethod
    def start(f: Finding, **_kw) -> str:
        return State.IN_PROGRESS

    @staticmethod
    def resolve(f: Finding, *, comment, now, **_kw) -> str:
        f.resolution = comment
        f.resolved_at = now
        f.is_overdue = False
        return State.RESOLVED

    @staticmethod
    def follow_up(f: Finding, *, satisfied, data, **_kw) -> str:
        if satisfied is None:
            raise ValidationError({"satisfied": _("Record whether the resident is satisfied.")})
        f.followup_satisfied = satisfied
        data["satisfied"] = satisfied
        if not satisfied:
            _kw["notify_units"].append(f.owner_unit)
        return State.FOLLOWED_UP

    @staticmethod
    def close(f: Finding, *, now, **_kw) -> str:
        if f.followup_satisfied is not True:
            raise ValidationError(_("Only a finding whose follow-up was satisfied is closed."))
        f.closed_at = now
        return State.CLOSED

    @staticmethod
    def reopen(f: Finding, *, data, now, **kw) -> str:
        f.escalate_at = _escalate_after(f, now)
        f.closed_at = None
        f.resolved_at = None
        f.followup_satisfied = None
        kw["notify_units"].append(f.owner_unit)
        if f.assignee_id:
            kw["notify_users"].append(f.assignee)
        return State.IN_PROGRESS

    @staticmethod
    def return_(f: Finding, *, data, **kw) -> str:
        parent = _parent_of(f.owner_unit)
        data["from_unit"] = f.owner_unit.name
        data["to_unit"] = parent.name
        _set_owner(f, parent)
        f.assignee = None
        kw["notify_units"].append(parent)
        return State.RETURNED

    @staticmethod
    def transfer(f: Finding, *, unit, data, **kw) -> str:
        if unit is None:
            raise ValidationError({"unit": _("Choose the unit to transfer it to.")})
        if unit.pk == f.owner_unit_id:
            raise ValidationError(
                {"unit": _("It is already owned by %(unit)s.") % {"unit": unit.name}}
            )
        if unit.level == Unit.Level.BEAT:
            raise ValidationError({"unit": _("Transfer to a station or a bureau.")})
        f.transfer_to = unit
        f.transfer_path = unit.path
        f.state_before_transfer = f.state
        data["to_unit"] = unit.name
        kw["notify_units"].append(unit)
        return State.TRANSFER_PENDING

    @staticmethod
    def accept(f: Finding, *, data, **kw) -> str:
        data["from_unit"] = f.owner_unit.name
        kw["notify_units"].append(f.owner_unit)
        _set_owner(f, f.transfer_to)
        f.co_unit = None
        f.assignee = None
        f.transfer_to = None
        f.transfer_path = ""
        f.state_before_transfer = ""
        return State.TRIAGED

    @staticmethod
    def refuse(f: Finding, *, data, **kw) -> str:
        data["refused_by"] = f.transfer_to.name
        kw["notify_units"].append(f.owner_unit)
        back = f.state_before_transfer or State.TRIAGED
        f.transfer_to = None
        f.transfer_path = ""
        f.state_before_transfer = ""
        return back

    @staticmethod
    def escalate(f: Finding, *, now, data, actor, **kw) -> str:
        parent = _parent_of(f.owner_unit)
        data["from_unit"] = f.owner_unit.name
        data["to_unit"] = parent.name
        _set_owner(f, parent)
        if f.co_unit_id == parent.pk:
            f.co_unit = None
        f.assignee = None
        f.escalation_count += 1
        rule = grade_rule(f.grade)
        f.escalate_at = (
            now + dt.timedelta(days=rule.escalate_after_days) if parent.parent_id else None
        )
        kw["notify_units"].append(parent)
        return State.ESCALATED

    @staticmethod
    def supervise(f: Finding, *, data, **kw) -> str:
        f.supervised = True
        data["supervised"] = True
        kw["notify_units"].append(f.owner_unit)
        return f.state

    @staticmethod
    def unsupervise(f: Finding, *, data, **_kw) -> str:
        f.supervised = False
        data["supervised"] = False
        return f.state
