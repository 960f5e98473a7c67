"""State changes of findings: creation (idempotent), routing, the state machine, the sweep.

`finding_create` is the single entry point for officers, visits and the public page.
`finding_transition` is the single entry point for every change of state; it checks the
state, the actor and the version, and writes one `FindingTransition` row per change.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import logging
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zoufang.core.roles import Role
from zoufang.core.scope import user_manages, user_scope
from zoufang.findings.models import (
    OPEN_STATES,
    Finding,
    FindingAttachment,
    FindingKind,
    FindingTransition,
    Grade,
    GradeRule,
    NumberCounter,
    Source,
    State,
)
from zoufang.notifications.services import notify, notify_many, unit_recipients
from zoufang.org.models import Unit, User
from zoufang.org.validators import validate_phone

logger = logging.getLogger(__name__)

DUPLICATE_WINDOW = dt.timedelta(days=30)
DUPLICATE_TEXT_RATIO = 0.6
SUPERVISING_ROLES = frozenset({Role.OFFICE, Role.WORKING_TEAM, Role.SUPERVISOR})

# Used when the office has deleted a grade rule: the seed's defaults.
DEFAULT_RULES = {
    Grade.GENERAL: GradeRule(
        grade=Grade.GENERAL, owner_level=3, deadline_days=7, escalate_after_days=3
    ),
    Grade.SERIOUS: GradeRule(
        grade=Grade.SERIOUS, owner_level=2, deadline_days=3, escalate_after_days=2
    ),
    Grade.MAJOR: GradeRule(
        grade=Grade.MAJOR,
        owner_level=1,
        county_co_handles=True,
        deadline_days=1,
        escalate_after_days=1,
    ),
}


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


class FindingConflict(Exception):
    """The client UUID was already used for a different finding."""

    def __init__(self, finding: Finding) -> None:
        self.finding = finding
        super().__init__(
            _("This client UUID was already used for a different finding (%(number)s).")
            % {"number": finding.number}
        )


# ---- routing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    owner_unit: Unit
    co_unit: Unit | None
    department_id: int | None
    co_handlers: str
    deadline_days: int
    escalate_after_days: int


def grade_rule(grade: str) -> GradeRule:
    rule = GradeRule.objects.filter(grade=grade).first()
    return rule or DEFAULT_RULES[Grade(grade)]


def route(*, kind: FindingKind, grade: str, beat: Unit) -> Route:
    """Who owns a finding of this kind and grade in this beat (属地管辖、分级分类负责)."""
    rule = grade_rule(grade)
    codes = [c for c in beat.path.split("/") if c]
    chain = {u.level: u for u in Unit.objects.filter(code__in=codes)}
    owner = chain.get(rule.owner_level)
    if owner is None:  # a tree missing that level: the nearest unit above the beat
        owner = next((chain[lvl] for lvl in sorted(chain, reverse=True) if lvl < beat.level), beat)
    co_unit = chain.get(Unit.Level.COUNTY) if rule.county_co_handles else None
    department_id = kind.department_id
    if department_id is None and kind.parent_id:
        department_id = kind.parent.department_id
    return Route(
        owner_unit=owner,
        co_unit=co_unit if co_unit and co_unit.pk != owner.pk else None,
        department_id=department_id,
        co_handlers=kind.co_handlers or (kind.parent.co_handlers if kind.parent_id else ""),
        deadline_days=rule.deadline_days,
        escalate_after_days=rule.escalate_after_days,
    )


def _apply_route(finding: Finding, r: Route, *, start: dt.datetime) -> None:
    finding.owner_unit = r.owner_unit
    finding.owner_path = r.owner_unit.path
    finding.co_unit = r.co_unit
    finding.owner_department_id = r.department_id
    finding.co_handlers = r.co_handlers
    finding.deadline = start + dt.timedelta(days=r.deadline_days)
    finding.escalate_at = finding.deadline + dt.timedelta(days=r.escalate_after_days)


# ---- creation ------------------------------------------------------------------------------


@dataclass
class CreateResult:
    finding: Finding
    created: bool  # False: a replay of the same client UUID, or a report linked to it
    linked: bool = False
    duplicates: list[Finding] = field(default_factory=list)


def _payload_hash(payload: dict[str, Any]) -> str:
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _next_number(beat: Unit, day: dt.date) -> str:
    codes = [c for c in beat.path.split("/") if c]
    station_code = codes[2] if len(codes) >= 3 else codes[-1]
    prefix = f"{station_code}-{day:%y%m%d}"
    counter, _ = NumberCounter.objects.get_or_create(prefix=prefix)
    counter = NumberCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{prefix}-{counter.last:03d}"


def _clean_coordinate(value: Any, limit: int, label: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except ArithmeticError as exc:
        raise ValidationError({label: _("Enter a number.")}) from exc
    if not -limit <= number <= limit:
        raise ValidationError({label: _("Out of range.")})
    return number


def finding_duplicates(
    *,
    kind: FindingKind,
    beat: Unit,
    place_id: int | None = None,
    description: str = "",
    exclude_pk: int | None = None,
    now: dt.datetime | None = None,
) -> list[Finding]:
    """Findings of the same kind at the same place (or, with no place, in the same beat with
    a similar description) raised within the last 30 days, newest first."""
    since = (now or timezone.now()) - DUPLICATE_WINDOW
    qs = Finding.objects.filter(kind=kind, created_at__gte=since).select_related("kind")
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    if place_id:
        return list(qs.filter(place_id=place_id).order_by("-created_at")[:5])
    candidates = qs.filter(beat=beat).order_by("-created_at")[:50]
    text = " ".join(description.split())
    found = []
    for f in candidates:
        ratio = difflib.SequenceMatcher(None, text, " ".join(f.description.split())).ratio()
        if ratio >= DUPLICATE_TEXT_RATIO:
            found.append(f)
    return found[:5]


@transaction.atomic
def finding_create(
    *,
    actor: User | None,
    kind_code: str,
    description: str,
    beat: Unit | None = None,
    place: Any = None,
    place_text: str = "",
    latitude: Any = None,
    longitude: Any = None,
    grade: str | None = None,
    source: str = Source.OFFICER,
    reporter_name: str = "",
    reporter_phone: str = "",
    resident_name: str = "",
    resident_phone: str = "",
    client_uuid: uuid.UUID | str | None = None,
    visit_id: int | None = None,
    campaign: Any = None,
    link_to: Finding | None = None,
) -> CreateResult:
    """Log a finding and route it. Idempotent by `client_uuid`: the same UUID with the same
    payload returns the first finding; with a different payload raises FindingConflict.

    `place` (a registry.Place) gives the beat; otherwise `beat` is required. `actor` is None
    only for the public page. With `link_to`, no new finding is opened: the report is added
    to that one (a duplicate the reporter chose to link)."""
    errors: dict[str, str] = {}
    description = (description or "").strip()
    if not description:
        errors["description"] = _("Describe the finding.")
    elif len(description) > 4000:
        errors["description"] = _("The description is limited to 4000 characters.")
    kind = (
        FindingKind.objects.select_related("parent").filter(code=kind_code, is_active=True).first()
    )
    if kind is None:
        errors["kind"] = _("Unknown finding kind: %(code)s.") % {"code": kind_code}
    if place is not None:
        beat = place.beat
        place_text = place_text or str(place)
        if latitude in (None, "") and place.latitude is not None:
            latitude, longitude = place.latitude, place.longitude
    if beat is None:
        errors["beat"] = _("Choose the beat or the registered place where it lies.")
    elif beat.level != Unit.Level.BEAT:
        errors["beat"] = _("A finding lies in a community or village beat.")
    elif actor is not None and not user_scope(actor).contains(beat.path):
        errors["beat"] = _("This place is outside your jurisdiction.")
    if grade and grade not in Grade.values:
        errors["grade"] = _("Unknown grade.")
    if source not in Source.values:
        errors["source"] = _("Unknown source.")
    for name, value in (("resident_phone", resident_phone), ("reporter_phone", reporter_phone)):
        if value:
            try:
                validate_phone(value)
            except ValidationError as exc:
                errors[name] = " ".join(exc.messages)
    try:
        lat = _clean_coordinate(latitude, 90, "latitude")
        lng = _clean_coordinate(longitude, 180, "longitude")
    except ValidationError as exc:
        errors.update({k: " ".join(v) for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)

    if link_to is not None:
        return _link_report(finding=link_to, actor=actor, description=description, source=source)

    payload = {
        "kind": kind_code,
        "description": description,
        "beat": beat.pk,
        "place": getattr(place, "pk", None),
        "place_text": place_text.strip(),
        "lat": lat,
        "lng": lng,
        "grade": grade or "",
        "source": source,
        "reporter_name": reporter_name.strip(),
        "reporter_phone": reporter_phone.strip(),
        "resident_name": resident_name.strip(),
        "resident_phone": resident_phone.strip(),
        "visit": visit_id,
    }
    digest = _payload_hash(payload)
    if client_uuid:
        client_uuid = uuid.UUID(str(client_uuid))
        replay = _replay(client_uuid, digest)
        if replay is not None:
            return replay

    now = timezone.now()
    grade = grade or kind.default_grade
    finding = Finding(
        number="",
        campaign=campaign,
        kind=kind,
        description=description,
        source=source,
        beat=beat,
        unit_path=beat.path,
        place_text=payload["place_text"],
        latitude=lat,
        longitude=lng,
        visit_id=visit_id,
        reporter=actor,
        reporter_name=payload["reporter_name"] or (actor.display_name if actor else ""),
        reporter_phone=payload["reporter_phone"],
        resident_name=payload["resident_name"],
        resident_phone=payload["resident_phone"],
        grade=grade,
        state=State.RAISED,
        sensitive=kind.sensitive or bool(kind.parent_id and kind.parent.sensitive),
        client_uuid=client_uuid or None,
        payload_hash=digest,
    )
    if place is not None:
        finding.place = place
    if campaign is None:
        from zoufang.campaigns.models import Campaign

        finding.campaign = Campaign.objects.current()
    _apply_route(finding, route(kind=kind, grade=grade, beat=beat), start=now)
    duplicates = finding_duplicates(
        kind=kind, beat=beat, place_id=getattr(place, "pk", None), description=description
    )
    finding.duplicate_of = duplicates[0] if duplicates else None
    finding.sync_due()
    try:
        with transaction.atomic():
            finding.number = _next_number(beat, timezone.localdate(now))
            finding.save()
    except IntegrityError:
        # A concurrent request with the same client UUID won the race.
        if client_uuid:
            replay = _replay(client_uuid, digest)
            if replay is not None:
                return replay
        raise
    FindingTransition.objects.create(
        finding=finding,
        action="raise",
        from_state="",
        to_state=State.RAISED,
        actor=actor,
        at=now,
        comment="",
        data={"source": source, "grade": grade},
    )
    notify(
        kind="finding.raised",
        title=_("New finding %(number)s: %(kind)s")
        % {"number": finding.number, "kind": _kind_label(finding)},
        url=finding_url(finding),
        unit=finding.owner_unit,
    )
    return CreateResult(finding=finding, created=True, duplicates=duplicates)


def _replay(client_uuid: uuid.UUID, digest: str) -> CreateResult | None:
    existing = Finding.objects.filter(client_uuid=client_uuid).first()
    if existing is None:
        return None
    if existing.payload_hash != digest:
        raise FindingConflict(existing)
    return CreateResult(finding=existing, created=False)


def _link_report(
    *, finding: Finding, actor: User | None, description: str, source: str
) -> CreateResult:
    locked = Finding.objects.select_for_update().get(pk=finding.pk)
    Finding.objects.filter(pk=locked.pk).update(report_count=F("report_count") + 1)
    FindingTransition.objects.create(
        finding=locked,
        action="link",
        from_state=locked.state,
        to_state=locked.state,
        actor=actor,
        comment=description,
        data={"source": source},
    )
    locked.refresh_from_db()
    return CreateResult(finding=locked, created=False, linked=True)


def finding_url(finding: Finding) -> str:
    return reverse("findings:detail", args=[finding.pk])


def _kind_label(finding: Finding) -> str:
    # Sensitive kinds are not named in notifications (they reach people outside the chain).
    return _("restricted item") if finding.sensitive else str(finding.kind)


# ---- the state machine ---------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: frozenset[str]
    target: str | None  # None: decided by the action (refuse, supervise)
    who: str  # owner, handler, followup, transfer_target, supervisor
    needs_comment: bool = False


def _actions() -> dict[str, Action]:
    S = State
    return {
        a.name: a
        for a in [
            Action(
                "triage",
                gettext_lazy("Triage"),
                frozenset({S.RAISED, S.RETURNED, S.ESCALATED}),
                S.TRIAGED,
                "owner",
            ),
            Action(
                "assign",
                gettext_lazy("Assign"),
                frozenset({S.TRIAGED, S.ESCALATED, S.ASSIGNED}),
                S.ASSIGNED,
                "owner",
            ),
            Action(
                "start",
                gettext_lazy("Start handling"),
                frozenset({S.ASSIGNED}),
                S.IN_PROGRESS,
                "handler",
            ),
            Action(
                "resolve",
                gettext_lazy("Resolve"),
                frozenset({S.IN_PROGRESS}),
                S.RESOLVED,
                "handler",
                needs_comment=True,
            ),
            Action(
                "follow_up",
                gettext_lazy("Record follow-up"),
                frozenset({S.RESOLVED}),
                S.FOLLOWED_UP,
                "followup",
            ),
            Action(
                "close",
                gettext_lazy("Close the finding"),
                frozenset({S.FOLLOWED_UP}),
                S.CLOSED,
                "owner",
            ),
            Action(
                "reopen",
                gettext_lazy("Reopen"),
                frozenset({S.FOLLOWED_UP, S.CLOSED}),
                S.IN_PROGRESS,
                "owner",
                needs_comment=True,
            ),
            Action(
                "return",
                gettext_lazy("Return as misrouted"),
                frozenset({S.RAISED, S.TRIAGED, S.ASSIGNED}),
                S.RETURNED,
                "handler",
                needs_comment=True,
            ),
            Action(
                "transfer",
                gettext_lazy("Transfer to another unit"),
                frozenset({S.RAISED, S.TRIAGED, S.ASSIGNED, S.IN_PROGRESS}),
                S.TRANSFER_PENDING,
                "owner",
                needs_comment=True,
            ),
            Action(
                "accept",
                gettext_lazy("Accept transfer"),
                frozenset({S.TRANSFER_PENDING}),
                S.TRIAGED,
                "transfer_target",
            ),
            Action(
                "refuse",
                gettext_lazy("Refuse transfer"),
                frozenset({S.TRANSFER_PENDING}),
                None,
                "transfer_target",
                needs_comment=True,
            ),
            Action(
                "escalate",
                gettext_lazy("Escalate to the parent unit"),
                frozenset(OPEN_STATES - {S.TRANSFER_PENDING}),
                S.ESCALATED,
                "owner",
                needs_comment=True,
            ),
            Action(
                "supervise",
                gettext_lazy("Mark 督办"),
                frozenset(set(State.values) - {S.CLOSED}),
                None,
                "supervisor",
            ),
            Action(
                "unsupervise",
                gettext_lazy("Lift 督办"),
                frozenset(State.values),
                None,
                "supervisor",
            ),
        ]
    }


ACTIONS = _actions()


def event_label(action: str) -> str:
    """A label for a timeline row: the actions, plus the events the system writes."""
    if action in ACTIONS:
        return str(ACTIONS[action].label)
    return {
        "raise": _("Raised"),
        "overdue": _("Marked overdue"),
        "link": _("Another report linked"),
    }.get(action, action)


def _manages_owner(user: User, f: Finding) -> bool:
    if user_manages(user, f.owner_path):
        return True
    return f.co_unit_id is not None and user_manages(user, f.co_unit.path)


def may_do(user: User | None, f: Finding, action: Action) -> bool:
    """The permission rule of each action (see docs/decisions/findings-workflow.md)."""
    if user is None:  # the system (sweep)
        return action.name == "escalate"
    if action.who == "owner":
        return _manages_owner(user, f)
    if action.who == "handler":
        return f.assignee_id == user.pk or _manages_owner(user, f)
    if action.who == "followup":
        return (
            f.assignee_id == user.pk
            or _manages_owner(user, f)
            or (user.unit_id == f.beat_id and user.role in {Role.COMMUNITY_OFFICER})
        )
    if action.who == "transfer_target":
        return f.transfer_to_id is not None and user_manages(user, f.transfer_to.path)
    if action.who == "supervisor":
        return bool(user.is_superuser or user.role in SUPERVISING_ROLES)
    return False


def allowed_actions(user: User, f: Finding) -> list[Action]:
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
    comment = (comment or "").strip()
    if a.needs_comment and not comment:
        raise ValidationError({"comment": _("“%(action)s” needs a comment.") % {"action": a.label}})

    from_state = f.state
    before = (f.unit_path, f.owner_path, f.transfer_path)
    data: dict[str, Any] = {}
    notify_units: list[Unit] = []
    notify_users: list[User] = []
    handler = getattr(_Handlers, "return_" if a.name == "return" else a.name)
    to_state = handler(
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
    f.state = to_state
    f.version += 1
    f.sync_due()
    f.save()
    row = FindingTransition.objects.create(
        finding=f,
        action=a.name,
        from_state=from_state,
        to_state=to_state,
        actor=actor,
        at=now,
        comment=comment,
        data=data,
    )
    for upload in files or ():
        FindingAttachment.objects.create(
            finding=f, transition=row, file=upload, name=upload.name[:200], uploaded_by=actor
        )
    # Only people who see the finding (before or after the change) hear of it.
    notify_units = [u for u in notify_units if _unit_sees(u.path, f, before)]
    notify_users = [u for u in notify_users if u is not None and _user_sees(u, f, before)]
    if notify_units or notify_users:
        notify(
            kind=f"finding.{a.name}",
            title=_("%(number)s: %(action)s") % {"number": f.number, "action": a.label},
            body=comment[:200] if not f.sensitive else "",
            url=finding_url(f),
            users=[u for u in notify_users if u is not None and u != actor],
            units=notify_units,
        )
    # An unsatisfied follow-up reopens the finding at once (a second row).
    if a.name == "follow_up" and satisfied is False:
        f.state = State.IN_PROGRESS
        f.version += 1
        f.resolved_at = None
        f.escalate_at = _escalate_after(f, now)
        f.sync_due()
        f.save(
            update_fields=["state", "version", "resolved_at", "escalate_at", "due_at", "updated_at"]
        )
        FindingTransition.objects.create(
            finding=f,
            action="reopen",
            from_state=State.FOLLOWED_UP,
            to_state=State.IN_PROGRESS,
            actor=actor,
            at=now,
            comment=_("The resident is not satisfied: handling starts again."),
        )
        notify(
            kind="finding.reopen",
            title=_("%(number)s reopened: the resident is not satisfied") % {"number": f.number},
            url=finding_url(f),
            users=[f.assignee] if f.assignee_id else [],
            unit=f.owner_unit,
        )
    return f


def _unit_sees(path: str, f: Finding, before: tuple[str, str, str]) -> bool:
    """Do the people anchored at the unit at `path` see `f`, now or before the change?
    (`FindingQuerySet.visible_to` for a unit's scope: a pending transfer shows only a
    non-sensitive finding.)"""
    for territory, owner, transfer in (before, (f.unit_path, f.owner_path, f.transfer_path)):
        if territory.startswith(path) or owner.startswith(path):
            return True
        if transfer and transfer.startswith(path) and not f.sensitive:
            return True
    return False


def _user_sees(user: User, f: Finding, before: tuple[str, str, str]) -> bool:
    scope = user_scope(user)
    return scope.everything or (scope.path is not None and _unit_sees(scope.path, f, before))


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
            _apply_route(f, r, start=f.created_at)
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


# ---- the overdue sweep ---------------------------------------------------------------------


@dataclass
class SweepResult:
    overdue: int = 0
    escalated: int = 0
    notified: int = 0


def findings_sweep(*, now: dt.datetime | None = None, batch: int = 500) -> SweepResult:
    """Mark open findings past their deadline overdue and notify the owner unit and its
    parent; escalate those past the second deadline to the parent unit. Reads only the rows
    that are due (partial indexes), so its cost follows the work, not the size of the city."""
    now = now or timezone.now()
    result = SweepResult()
    recipients: dict[int | None, list[int]] = {}

    def managers(unit_id: int | None) -> list[int]:
        if unit_id not in recipients:
            recipients[unit_id] = unit_recipients([Unit(pk=unit_id)]) if unit_id is not None else []
        return recipients[unit_id]

    while True:
        with transaction.atomic():
            due = list(
                Finding.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(due_at__lt=now)
                .select_related("owner_unit")
                .order_by("deadline")[:batch]
            )
            if not due:
                break
            Finding.objects.filter(pk__in=[f.pk for f in due]).update(
                is_overdue=True, was_overdue=True, due_at=None
            )
            FindingTransition.objects.bulk_create(
                [
                    FindingTransition(
                        finding=f,
                        action="overdue",
                        from_state=f.state,
                        to_state=f.state,
                        actor=None,
                        at=now,
                        data={"deadline": f.deadline.isoformat()},
                    )
                    for f in due
                ]
            )
            rows = []
            for f in due:
                title = _("Overdue: %(number)s (%(kind)s)") % {
                    "number": f.number,
                    "kind": _kind_label(f),
                }
                users = set(managers(f.owner_unit_id)) | set(managers(f.owner_unit.parent_id))
                if f.assignee_id:
                    users.add(f.assignee_id)
                rows += [(uid, "finding.overdue", title, "", finding_url(f)) for uid in users]
            result.notified += notify_many(rows)
            result.overdue += len(due)
        if len(due) < batch:
            break
    escalate_ids = list(
        Finding.objects.filter(escalate_at__lt=now)
        .exclude(state=State.TRANSFER_PENDING)
        .order_by("escalate_at")
        .values_list("pk", "version")[:batch]
    )
    for pk, version in escalate_ids:
        f = Finding(pk=pk)
        try:
            finding_transition(
                finding=f,
                actor=None,
                action="escalate",
                version=version,
                comment=_("Overdue past the second deadline: escalated automatically."),
                now=now,
            )
        except (FindingChanged, ValidationError):
            logger.debug("sweep: finding %s changed or cannot escalate", pk, extra={"pk": pk})
            Finding.objects.filter(pk=pk, escalate_at__lt=now).update(escalate_at=None)
            continue
        result.escalated += 1
    return result
