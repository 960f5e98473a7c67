"""State changes of the big visit: generating and assigning tasks, appointments, submitting a
visit (idempotent by the phone's UUID), photos, findings raised on the spot, corrections.

The registry and the findings ledger are changed only through their own services, each
called from one adapter below (`_registry_apply`, `_finding_create`, `_registry_correct`),
so there is one place to change if their signatures move.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
import re
import time
import uuid
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from zoufang.campaigns.models import Campaign, CatalogItem, VisitForm
from zoufang.core.roles import Role
from zoufang.core.scope import user_manages, user_scope
from zoufang.org.models import Team, TeamMember, Unit
from zoufang.visits import formschema, pgsubmit
from zoufang.visits.models import (
    ADDRESS_PROBLEMS,
    OPEN_STATES,
    OUTCOME_TO_STATE,
    CorrectionRequest,
    Method,
    Outcome,
    RegistryState,
    TaskEvent,
    TaskState,
    Visit,
    VisitKind,
    VisitLeaflet,
    VisitMember,
    VisitPhoto,
    VisitTask,
    VisitTopic,
)

if TYPE_CHECKING:
    from zoufang.org.models import User
    from zoufang.registry.models import Place

logger = logging.getLogger(__name__)

# Roles that go out on visits (besides the managers of the beat).
RECORDING_ROLES = frozenset({Role.COMMUNITY_OFFICER, Role.TEAM_MEMBER})
CLOCK_SKEW = dt.timedelta(minutes=5)
MAX_PHOTOS = 5
MAX_FINDINGS = 20
MAX_LEAFLETS = 1000
GRADES = ("general", "serious", "major")


class VisitConflict(Exception):
    """The client UUID was already used for a different submission (HTTP 409)."""

    def __init__(self, what: str = "") -> None:
        super().__init__(what or _("This client UUID was already used for a different submission."))


def _hash(payload: Any) -> str:
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _event(
    task: VisitTask, action: str, actor: User | None, old: Any = "", new: Any = "", reason=""
) -> TaskEvent:
    return TaskEvent(
        task=task,
        action=action,
        old=str(old or "")[:200],
        new=str(new or "")[:200],
        actor=actor,
        reason=str(reason or "")[:200],
    )


def may_record(user: User, task: VisitTask) -> bool:
    """Who may record a visit or an appointment: the beat's own people, and its managers."""
    if not user_scope(user).contains(task.unit_path):
        return False
    if user.is_superuser or user_manages(user, task.unit_path):
        return True
    return user.role in RECORDING_ROLES


def may_manage_tasks(user: User, beat: Unit) -> bool:
    """Generate and reassign: the station chief and above in scope, and the beat's officer."""
    if user_manages(user, beat.path):
        return True
    return user.role == Role.COMMUNITY_OFFICER and user_scope(user).contains(beat.path)


# ---- task generation --------------------------------------------------------------------------

_DIGITS = re.compile(r"\d+")


def _natural(text: str) -> str:
    """Sort "2号" before "10号": numbers padded inside the key."""
    return _DIGITS.sub(lambda m: m.group().zfill(6), text or "")


def _task_fields(place: Place) -> tuple[str, str, str]:
    """(visit kind, walk batch, sort key) for a registry place."""
    from zoufang.registry.models import Place as P

    kind = {
        P.Kind.DWELLING: VisitKind.HOUSEHOLD,
        P.Kind.SHOP: VisitKind.SHOP,
        P.Kind.KEY_PLACE: VisitKind.SHOP,
        P.Kind.ENTERPRISE: VisitKind.ENTERPRISE,
    }[place.kind]
    if kind == VisitKind.HOUSEHOLD:
        # Same building together: road, number and building.
        batch = "".join(
            p
            for p in (
                place.road,
                f"{place.house_number}号" if place.house_number else "",
                f"{place.building}栋" if place.building else "",
            )
            if p
        )
    else:
        batch = place.road or place.address  # shops and enterprises: by street
    key = "|".join(
        _natural(x)
        for x in (
            place.road,
            place.house_number,
            place.building,
            place.entrance,
            place.room,
            place.name,
        )
    )
    return kind, batch[:120] or "—", key[:255]


@dataclass
class GenerateResult:
    created: int
    total: int
    by_team: dict[str, int] = field(default_factory=dict)


def _beat_teams(campaign: Campaign, beat: Unit) -> list[Team]:
    return list(Team.objects.filter(campaign=campaign, beat=beat).order_by("name", "pk"))


@transaction.atomic
def tasks_generate(*, campaign: Campaign, beat: Unit, actor: User | None) -> GenerateResult:
    """A task for every place of the beat that has none yet: a household visit (入户) for each
    occupied dwelling, a shop visit (进店) for each shop and key place, an enterprise visit
    (访企) for each enterprise, and one village/community visit (走村/社区) for the beat.

    New tasks are spread over the beat's teams in walkable batches (a building or a street
    stays with one team) so that each team's load is balanced. Safe to re-run: places that
    already have a task are left as they are, reassignments included."""
    from zoufang.registry.models import Household, Place

    if beat.level != Unit.Level.BEAT:
        raise ValidationError(_("Tasks are generated for a community or village beat."))
    Unit.objects.select_for_update().filter(pk=beat.pk).first()  # one generation at a time
    have = set(
        VisitTask.objects.filter(campaign=campaign, beat=beat, place__isnull=False).values_list(
            "place_id", flat=True
        )
    )
    vacant = set(
        Household.objects.filter(place__beat=beat, use=Household.Use.VACANT).values_list(
            "place_id", flat=True
        )
    )
    places = [
        p
        for p in Place.objects.filter(beat=beat, is_active=True)
        .exclude(kind=Place.Kind.KEY_AREA)
        .order_by("pk")
        if p.pk not in have and p.pk not in vacant
    ]
    new: list[VisitTask] = []
    for place in places:
        kind, batch, key = _task_fields(place)
        new.append(
            VisitTask(
                campaign=campaign,
                beat=beat,
                unit_path=beat.path,
                kind=kind,
                place=place,
                batch=batch,
                address=(place.name + " " if place.name and kind != "household" else "")
                + (place.address or place.compose_address()),
                sort_key=key,
            )
        )
    if not VisitTask.objects.filter(
        campaign=campaign, beat=beat, kind=VisitKind.COMMUNITY
    ).exists():
        new.append(
            VisitTask(
                campaign=campaign,
                beat=beat,
                unit_path=beat.path,
                kind=VisitKind.COMMUNITY,
                batch=beat.name,
                address=beat.name,
                sort_key="",  # first on the list: the beat as a whole
            )
        )
    teams = _beat_teams(campaign, beat)
    by_team = _assign(new, teams, campaign=campaign, beat=beat)
    VisitTask.objects.bulk_create(new, batch_size=2000)
    TaskEvent.objects.bulk_create(
        (
            _event(t, "generate", actor, new=t.team.name if t.team else "", reason=t.batch)
            for t in new
        ),
        batch_size=2000,
    )
    total = VisitTask.objects.filter(campaign=campaign, beat=beat).count()
    logger.debug(
        "visit tasks generated",
        extra={"beat": beat.code, "tasks_created": len(new), "tasks_total": total},
    )
    return GenerateResult(created=len(new), total=total, by_team=by_team)


def _assign(
    new: list[VisitTask], teams: list[Team], *, campaign: Campaign, beat: Unit
) -> dict[str, int]:
    """Give each new task a team. A batch that already has a team keeps it; the rest are
    handed out batch by batch in address order, each to the least-loaded team, so a street
    is walked by one team and loads stay within one batch of each other."""
    if not teams:
        return {}
    load = {t.pk: 0 for t in teams}
    for team_id, n in (
        VisitTask.objects.filter(campaign=campaign, beat=beat, team__in=teams)
        .values_list("team_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        load[team_id] = n
    known = dict(
        VisitTask.objects.filter(campaign=campaign, beat=beat, team__isnull=False)
        .exclude(batch="")
        .values_list("batch", "team_id")
        .distinct()
    )
    groups: dict[str, list[VisitTask]] = defaultdict(list)
    for task in new:
        groups[task.batch].append(task)
    by_pk = {t.pk: t for t in teams}
    order = sorted(groups, key=lambda b: min(t.sort_key for t in groups[b]))
    # Contiguous runs of batches per team, sized to an even share.
    share = math.ceil((sum(load.values()) + len(new)) / len(teams))
    current = min(load, key=lambda k: (load[k], list(by_pk).index(k)))
    for batch in order:
        tasks = groups[batch]
        team_id = known.get(batch)
        if team_id not in by_pk:
            if load[current] >= share:
                current = min(load, key=lambda k: (load[k], list(by_pk).index(k)))
            team_id = current
        for t in tasks:
            t.team = by_pk[team_id]
        load[team_id] += len(tasks)
    counts: dict[str, int] = defaultdict(int)
    for t in new:
        counts[t.team.name] += 1
    return dict(counts)


@transaction.atomic
def tasks_reassign(*, tasks: list[VisitTask], team: Team, actor: User, reason: str = "") -> int:
    """Move tasks to another team of the same beat (a chief's decision); history kept."""
    changed = 0
    events = []
    for task in tasks:
        if not may_manage_tasks(actor, task.beat):
            raise PermissionDenied(_("Only the station chief or the beat's officer reassigns."))
        if team.beat_id != task.beat_id or team.campaign_id != task.campaign_id:
            raise ValidationError({"team": _("Choose a team of the task's own beat and campaign.")})
        if task.team_id == team.pk:
            continue
        events.append(_event(task, "assign", actor, task.team or "", team, reason))
        task.team, task.updated_at = team, timezone.now()
        changed += 1
    VisitTask.objects.bulk_update([e.task for e in events], ["team", "updated_at"])
    TaskEvent.objects.bulk_create(events)
    return changed


@transaction.atomic
def task_schedule(
    *,
    task: VisitTask,
    actor: User,
    date: dt.date | None,
    start: dt.time | None = None,
    end: dt.time | None = None,
    method: str = Method.NORMAL,
    note: str = "",
) -> VisitTask:
    """Set (or clear, with date None) the appointment (预约) and the method of a task."""
    errors: dict[str, str] = {}
    if not may_record(actor, task):
        raise PermissionDenied(_("You may not schedule this task."))
    if method not in Method.values:
        errors["method"] = _("Unknown visit method.")
    if date is None and (start or end):
        errors["date"] = _("Give the date of the appointment.")
    if date is not None and date < timezone.localdate():
        errors["date"] = _("The appointment date has passed: choose today or a later day.")
    if start and end and end <= start:
        errors["end"] = _("The time window must end after it starts.")
    if end and not start:
        errors["start"] = _("Give the start of the time window.")
    if errors:
        raise ValidationError(errors)
    old = _appointment_text(task)
    task.appointment_date, task.appointment_start, task.appointment_end = date, start, end
    task.appointment_note = (note or "").strip()[:200]
    old_method, task.method = task.method, method
    task.save(
        update_fields=[
            "appointment_date",
            "appointment_start",
            "appointment_end",
            "appointment_note",
            "method",
            "updated_at",
        ]
    )
    events = []
    if old != _appointment_text(task):
        events.append(_event(task, "schedule", actor, old, _appointment_text(task), note))
    if old_method != method:
        events.append(_event(task, "method", actor, old_method, method))
    TaskEvent.objects.bulk_create(events)
    return task


def _appointment_text(task: VisitTask) -> str:
    if not task.appointment_date:
        return ""
    text = task.appointment_date.isoformat()
    if task.appointment_start:
        text += f" {task.appointment_start:%H:%M}"
    if task.appointment_end:
        text += f"–{task.appointment_end:%H:%M}"
    return text


# ---- submitting a visit -----------------------------------------------------------------------


@dataclass
class VisitInput:
    """What a phone sends for one visit (the page builds the same from its form)."""

    outcome: str
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    members: list[int]
    method: str = ""
    latitude: Any = None
    longitude: Any = None
    gps_accuracy: Any = None
    answers: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    topics: list[str] = field(default_factory=list)
    leaflets: dict[str, int] = field(default_factory=dict)
    findings: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SubmitResult:
    visit: Visit
    created: bool
    task_state: str = ""  # the task's state now ("": not read, for a replay on SQLite)


def visit_payload_hash(task_id: int, data: VisitInput) -> str:
    payload = asdict(data)
    payload["task"] = task_id
    for key in ("started_at", "ended_at"):
        value = payload[key]
        payload[key] = value.astimezone(dt.UTC).isoformat() if value else None
    payload["members"] = sorted(payload["members"])
    payload["topics"] = sorted(payload["topics"])
    return _hash(payload)


def _stored(client_uuid: uuid.UUID) -> tuple[int, str] | None:
    """(id, payload hash) of the visit already stored under this client UUID, if any."""
    return Visit.objects.filter(client_uuid=client_uuid).values_list("pk", "payload_hash").first()


def _replayed(stored: tuple[int, str] | None, digest: str) -> SubmitResult | None:
    if stored is None:
        return None
    if stored[1] != digest:
        raise VisitConflict()
    if connection.vendor == "postgresql":  # phones resend often: one statement
        visit, task_state = pgsubmit.visit_answer(stored[0])
        return SubmitResult(visit=visit, created=False, task_state=task_state)
    return SubmitResult(visit=Visit.objects.get(pk=stored[0]), created=False)


def visit_team(task: VisitTask, actor: User) -> Team | None:
    """The team a visit belongs to: the task's team, or else the actor's team in the beat."""
    if task.team_id:
        return task.team
    if actor.personnel_id:
        membership = (
            TeamMember.objects.filter(
                personnel_id=actor.personnel_id,
                campaign_id=task.campaign_id,
                team__beat_id=task.beat_id,
            )
            .select_related("team")
            .first()
        )
        if membership:
            return membership.team
    return Team.objects.filter(campaign_id=task.campaign_id, beat_id=task.beat_id).first()


def _coordinate(value: Any, limit: int, name: str, errors: dict[str, str]) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        errors[name] = _("The position is not a number.")
        return None
    if not -limit <= number <= limit:
        errors[name] = _("The position is out of range.")
        return None
    return number


_OUTCOMES = frozenset(Outcome.values)
_METHODS = frozenset(Method.values)


@dataclass
class _Locked:
    """A task as a submission holds it: row locked, with what the checks need."""

    task: VisitTask
    campaign_start: dt.date
    members: set[int] | None  # personnel of the task's team (None: the task has no team)
    replay: tuple[int, str] | None  # (id, payload hash) of a visit under the client UUID


def _task_lock(actor: User, task_id: int, client_uuid: uuid.UUID) -> _Locked:
    """Lock the task for a submission, or 404 when the actor does not see it (missing or
    outside their jurisdiction). Concurrent submissions to one task queue here."""
    scope = user_scope(actor)
    if scope.nothing:
        raise Http404
    if connection.vendor == "postgresql":
        row = pgsubmit.lock_task(scope, task_id, client_uuid)
        if row is None:
            raise Http404
        members = row.members if row.task.team_id else None
        return _Locked(row.task, row.campaign_start, members, row.replay)
    task = (
        VisitTask.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("campaign")
        .filter(pk=task_id)
        .first()
    )
    if task is None:
        raise Http404
    members = None
    if task.team_id:
        members = set(
            TeamMember.objects.filter(team_id=task.team_id).values_list("personnel_id", flat=True)
        )
    return _Locked(task, task.campaign.start_date, members, _stored(client_uuid))


def visit_submit(
    *, actor: User, task_id: int, data: VisitInput, client_uuid: uuid.UUID | str
) -> SubmitResult:
    """Record one visit to the task `task_id` (404 if the actor does not see it). The same
    `client_uuid` with the same content returns the first visit (nothing is written twice,
    even for concurrent identical requests); with other content it raises VisitConflict. Bad
    input raises ValidationError naming the fields. Returns only after the transaction has
    committed."""
    client_uuid = uuid.UUID(str(client_uuid))
    digest = visit_payload_hash(task_id, data)
    try:
        with transaction.atomic():
            # Serialise submissions for one task; a replay then sees the first one's row.
            locked = _task_lock(actor, task_id, client_uuid)
            if locked.replay is None and not locked.task.is_open:
                # The lock may have been waited for while the first of two identical
                # submissions closed the task: look for it afresh before saying "closed".
                locked.replay = _stored(client_uuid)
            replay = _replayed(locked.replay, digest)
            if replay is not None:
                return replay
            return _visit_create(
                actor=actor, locked=locked, data=data, client_uuid=client_uuid, digest=digest
            )
    except IntegrityError:
        # The same UUID committed in the meantime (for this task or another): a replay or a
        # conflict.
        replay = _replayed(_stored(client_uuid), digest)
        if replay is not None:
            return replay
        raise


def _visit_create(
    *, actor: User, locked: _Locked, data: VisitInput, client_uuid: uuid.UUID, digest: str
) -> SubmitResult:
    task = locked.task
    if not may_record(actor, task):
        raise PermissionDenied(_("You may not record visits for this beat."))
    errors: dict[str, str] = {}
    now = timezone.now()
    if not task.is_open:
        errors["task"] = _(
            "This task is already closed (%(state)s): it needs no further visit."
        ) % {"state": task.get_state_display()}
    if data.outcome not in _OUTCOMES:
        errors["outcome"] = _("Choose the outcome of the visit.")
    elif data.outcome in ADDRESS_PROBLEMS and task.kind == VisitKind.COMMUNITY:
        errors["outcome"] = _("A village/community visit has no address to correct.")
    method = data.method or task.method
    if method not in _METHODS:
        errors["method"] = _("Unknown visit method.")
    started, ended = data.started_at, data.ended_at
    if started is None:
        errors["started_at"] = _("Give the time the visit started.")
    if ended is None:
        errors["ended_at"] = _("Give the time the visit ended.")
    if started and ended:
        if timezone.is_naive(started) or timezone.is_naive(ended):
            errors["started_at"] = _("Give the times with their time zone.")
        elif started > now + CLOCK_SKEW:
            errors["started_at"] = _("The start time is in the future: check the time.")
        elif ended > now + CLOCK_SKEW:
            errors["ended_at"] = _("The end time is in the future: check the time.")
        elif ended < started:
            errors["ended_at"] = _("The visit cannot end before it starts.")
        elif timezone.localdate(started) < locked.campaign_start:
            errors["started_at"] = _("The visit is dated before the campaign started.")
    lat = _coordinate(data.latitude, 90, "latitude", errors)
    lng = _coordinate(data.longitude, 180, "longitude", errors)
    if (lat is None) != (lng is None) and "latitude" not in errors:
        errors["latitude"] = _("Give both latitude and longitude, or neither.")
    accuracy = None
    if data.gps_accuracy not in (None, ""):
        try:
            accuracy = max(0, int(float(data.gps_accuracy)))
        except (TypeError, ValueError):
            errors["gps_accuracy"] = _("The GPS accuracy is not a number.")
    team_id, allowed = task.team_id, locked.members
    if team_id is None:  # a task no team was given: the actor's team in the beat
        team = visit_team(task, actor)
        team_id = team.pk if team else None
        allowed = set(
            TeamMember.objects.filter(team=team).values_list("personnel_id", flat=True)
            if team
            else []
        )
    member_ids = sorted({int(m) for m in data.members})
    if not member_ids:
        errors["members"] = _("Tick the team members who were there.")
    elif not set(member_ids) <= (allowed or set()):
        name = Team.objects.filter(pk=team_id).values_list("name", flat=True).first()
        errors["members"] = _("Only members of the team %(team)s can be credited.") % {
            "team": name or "—"
        }
    # The form, the topics and the leaflets.
    form = _visit_form(task.campaign_id, task.kind)
    visited = data.outcome == Outcome.VISITED
    clean = formschema.clean_answers(form, task.kind, data.answers or {}, required=visited)
    errors.update({f"q_{k}" if k != "answers" else k: v for k, v in clean.errors.items()})
    catalog = _publicity_catalog(task.campaign_id)
    topics = []
    for code in dict.fromkeys(data.topics or []):
        item = catalog.get((CatalogItem.Kind.TOPIC, code))
        if item is None:
            errors["topics"] = _("Unknown propaganda topic: %(code)s") % {"code": code}
        else:
            topics.append(item)
    leaflets = []
    for code, qty in (data.leaflets or {}).items():
        item = catalog.get((CatalogItem.Kind.LEAFLET, code))
        try:
            qty = int(qty or 0)
        except (TypeError, ValueError):
            qty = -1
        if item is None:
            errors["leaflets"] = _("Unknown leaflet: %(code)s") % {"code": code}
        elif not 0 <= qty <= MAX_LEAFLETS:
            errors[f"leaflet_{code}"] = _(
                "The number of %(name)s handed out must be 0 to %(max)s."
            ) % {"name": item.name, "max": MAX_LEAFLETS}
        elif qty:
            leaflets.append((item, qty))
    spot = _clean_spot_findings(data.findings or [], errors)
    if errors:
        raise ValidationError(errors)

    state = OUTCOME_TO_STATE[Outcome(data.outcome)]
    visit = Visit(
        task_id=task.pk,
        campaign_id=task.campaign_id,
        beat_id=task.beat_id,
        unit_path=task.unit_path,
        kind=task.kind,
        place_id=task.place_id,
        team_id=team_id,
        outcome=data.outcome,
        method=method,
        started_at=started,
        ended_at=ended,
        latitude=lat,
        longitude=lng,
        gps_accuracy=accuracy,
        form=form,
        form_version=form.version if form else 1,
        answers=clean.answers,
        note=(data.note or "").strip()[:4000],
        topic_count=len(topics),
        leaflet_count=sum(q for _i, q in leaflets),
        recorded_by=actor,
        created_at=now,
        client_uuid=client_uuid,
        payload_hash=digest,
    )
    if visited and task.place_id and clean.registry:
        # The registry learns it after the commit (visits.apply_registry): the submission is
        # acknowledged without waiting for the registry's services and their history rows.
        visit.registry_state = RegistryState.PENDING
        visit.registry_answers = _seal(clean.registry)
    old_state = task.state
    task.state = state
    task.attempts += 1
    task.last_visit_at = ended
    # Nobody home: back on the list, flagged for evenings or the weekend (错时).
    task.retry_off_hours = state == TaskState.RETRY
    task.updated_at = now
    event = TaskEvent(
        task_id=task.pk,
        action="visit",
        old=old_state,
        new=state,
        actor=actor,
        reason=str(Outcome(data.outcome).label)[:200],
        at=now,
    )
    # One write for the visit and all that goes with it. A UUID clash aborts the whole
    # transaction; visit_submit handles it.
    write = pgsubmit.insert_visit if connection.vendor == "postgresql" else _visit_insert_orm
    visit.photo_total = write(
        visit=visit,
        members=member_ids,
        topics=[i.pk for i in topics],
        leaflets=[(i.pk, q) for i, q in leaflets],
        task=task,
        event=event,
    )
    visit.member_ids = member_ids
    if visit.registry_state == RegistryState.PENDING:
        transaction.on_commit(partial(_queue_registry_apply, visit.pk), robust=True)
    found = 0
    for n, item in enumerate(clean.findings + spot):
        _finding_create(
            actor=actor,
            visit=visit,
            kind_code=item["kind"],
            description=item["description"],
            grade=item.get("grade") or None,
            client_uuid=uuid.uuid5(client_uuid, f"finding:{n}"),
        )
        found += 1
    if found:
        visit.finding_count = found
        visit.save(update_fields=["finding_count"])
    if data.outcome in ADDRESS_PROBLEMS:
        CorrectionRequest.objects.create(
            visit=visit,
            task_id=task.pk,
            place_id=task.place_id,
            beat_id=task.beat_id,
            unit_path=task.unit_path,
            reason=data.outcome,
            note=visit.note,
        )
    return SubmitResult(visit=visit, created=True, task_state=task.state)


def _visit_insert_orm(
    *,
    visit: Visit,
    members: list[int],
    topics: list[int],
    leaflets: list[tuple[int, int]],
    task: VisitTask,
    event: TaskEvent,
) -> int:
    """The same write as `pgsubmit.insert_visit`, statement by statement (SQLite). Returns
    the number of photos that were waiting for the visit."""
    visit.save(force_insert=True)
    VisitMember.objects.bulk_create(
        VisitMember(
            visit=visit,
            personnel_id=pk,
            unit_path=visit.unit_path,
            campaign_id=visit.campaign_id,
            outcome=visit.outcome,
        )
        for pk in members
    )
    VisitTopic.objects.bulk_create(VisitTopic(visit=visit, item_id=pk) for pk in topics)
    VisitLeaflet.objects.bulk_create(
        VisitLeaflet(visit=visit, item_id=pk, quantity=q) for pk, q in leaflets
    )
    photos = VisitPhoto.objects.filter(visit_uuid=visit.client_uuid, visit__isnull=True).update(
        visit=visit
    )
    task.save(update_fields=["state", "attempts", "last_visit_at", "retry_off_hours", "updated_at"])
    event.save(force_insert=True)
    return photos


_CACHE_SECONDS = 60
_catalog_cache: dict[int, tuple[float, dict]] = {}
_form_cache: dict[int, tuple[float, list[VisitForm]]] = {}


def _visit_form(campaign_id: int, visit_kind: str) -> VisitForm | None:
    """The campaign's form for this kind of visit, its forms kept a minute per process like
    the catalog: every submission checks its answers against them. A visit records the form
    version it was checked against."""
    now = time.monotonic()
    hit = _form_cache.get(campaign_id)
    if hit is None or now - hit[0] >= _CACHE_SECONDS:
        hit = (now, list(VisitForm.objects.filter(campaign_id=campaign_id)))
        _form_cache[campaign_id] = hit
    for form in hit[1]:
        if visit_kind in (form.applies_to or []):
            return form
    return None


def catalog_caches_clear() -> None:
    """Forget the cached forms and catalogs (tests; after editing them, to skip the minute)."""
    _form_cache.clear()
    _catalog_cache.clear()


def _publicity_catalog(campaign_id: int) -> dict[tuple[str, str], CatalogItem]:
    """The campaign's active topics and leaflets, kept a minute per process: every visit
    needs them and the office edits them rarely."""
    now = time.monotonic()
    hit = _catalog_cache.get(campaign_id)
    if hit is not None and now - hit[0] < _CACHE_SECONDS:
        return hit[1]
    items = {
        (i.kind, i.code): i
        for i in CatalogItem.objects.filter(
            campaign_id=campaign_id,
            kind__in=[CatalogItem.Kind.TOPIC, CatalogItem.Kind.LEAFLET],
            is_active=True,
        )
    }
    _catalog_cache[campaign_id] = (now, items)
    return items


def _clean_spot_findings(items: list[dict[str, Any]], errors: dict[str, str]) -> list[dict]:
    """Findings the officer adds by hand: kind, description, urgency (grade)."""
    from zoufang.findings.models import FindingKind

    out = []
    if not any(i.get("kind") or i.get("description") for i in items):
        return out
    if len(items) > MAX_FINDINGS:
        errors["findings"] = _("At most %(n)s findings per visit.") % {"n": MAX_FINDINGS}
        return out
    codes = set(FindingKind.objects.filter(is_active=True).values_list("code", flat=True))
    for n, item in enumerate(items, start=1):
        kind = str(item.get("kind") or "").strip()
        text = str(item.get("description") or "").strip()
        grade = str(item.get("grade") or "").strip()
        if not kind and not text:
            continue  # an empty row left on the page
        if kind not in codes:
            errors[f"finding_{n}_kind"] = _("Finding %(n)s: choose its kind.") % {"n": n}
        if not text:
            errors[f"finding_{n}_description"] = _("Finding %(n)s: describe it.") % {"n": n}
        if grade and grade not in GRADES:
            errors[f"finding_{n}_grade"] = _("Finding %(n)s: unknown urgency.") % {"n": n}
        out.append({"kind": kind, "description": text[:4000], "grade": grade})
    return out


# ---- the registry update, after the commit ----------------------------------------------------


def _seal(answers: dict[str, Any]) -> str:
    from zoufang.registry import crypto

    return crypto.encrypt(json.dumps(answers, ensure_ascii=False, default=str))


def _unseal(token: str) -> dict[str, Any]:
    from zoufang.registry import crypto

    return json.loads(crypto.decrypt(token)) if token else {}


def _queue_registry_apply(visit_id: int) -> None:
    from zoufang.visits.tasks import registry_apply_soon

    registry_apply_soon(visit_id)


@transaction.atomic
def visit_registry_apply(*, visit_id: int) -> bool:
    """Apply what a visit's form learnt to the registry, through the registry's services
    (history source `visit`, reference `visit:<id>`). Once only: the visit row is locked and
    its state checked, so a retried or duplicated message, or the sweep running alongside the
    queue, changes nothing the second time. A refusal by the registry (its own rules, e.g. a
    person without a name) is kept on the visit as `failed` with the reason, not retried.
    Returns True when the registry was updated by this call."""
    visit = (
        Visit.objects.select_for_update(of=("self",))
        .select_related("place", "recorded_by")
        .filter(pk=visit_id, registry_state=RegistryState.PENDING)
        .first()
    )
    if visit is None:
        return False  # applied already, refused, or nothing to apply
    fields = ["registry_state", "registry_answers", "registry_applied_at", "registry_error"]
    try:
        with transaction.atomic():
            _registry_apply(
                place=visit.place,
                actor=visit.recorded_by,
                answers=_unseal(visit.registry_answers),
                reference=f"visit:{visit.pk}",
            )
    except ValidationError as exc:
        visit.registry_state = RegistryState.FAILED
        visit.registry_error = "; ".join(exc.messages)[:2000]
        visit.save(update_fields=fields)
        logger.warning(
            "visit registry update refused",
            extra={"visit": visit.pk, "task": visit.task_id, "reason": visit.registry_error},
        )
        return False
    visit.registry_state = RegistryState.APPLIED
    visit.registry_answers = ""  # the registry holds them now, encrypted
    visit.registry_applied_at = timezone.now()
    visit.registry_error = ""
    visit.save(update_fields=fields)
    return True


def visit_registry_sweep(*, older_than: dt.timedelta = dt.timedelta(minutes=10)) -> int:
    """Apply every visit whose registry update is still pending after `older_than` (the
    queue's message was lost, or the worker was down). Each visit in its own transaction;
    safe to run while the queue is working. Returns how many were applied."""
    cutoff = timezone.now() - older_than
    pending = (
        Visit.objects.filter(registry_state=RegistryState.PENDING, created_at__lte=cutoff)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )
    applied = 0
    for visit_id in list(pending):
        if visit_registry_apply(visit_id=visit_id):
            applied += 1
    if applied:
        logger.info("visit registry updates swept", extra={"visits": applied})
    return applied


# ---- adapters to the registry and the findings ledger ----------------------------------------


def _registry_apply(*, place: Place, actor: User, answers: dict[str, Any], reference: str) -> None:
    """What the form learned, into the registry through its services (history source VISIT).
    Answers for a record the place does not have (a key place without a shop record) are
    kept on the visit only."""
    from zoufang.registry.models import Change, Enterprise, Shop
    from zoufang.registry.services import registry_apply

    heads = {k.partition(".")[0] for k in answers}
    if "shop" in heads or "org" in heads:
        if place.kind == "enterprise":
            answers = {k: v for k, v in answers.items() if not k.startswith("shop.")}
        elif not Shop.objects.filter(place=place).exists():
            answers = {k: v for k, v in answers.items() if not k.startswith(("shop.", "org."))}
    if "enterprise" in heads and not Enterprise.objects.filter(place=place).exists():
        answers = {k: v for k, v in answers.items() if not k.startswith(("enterprise.", "org."))}
    if not answers:
        return
    try:
        registry_apply(
            place=place,
            actor=actor,
            answers=answers,
            source=Change.Source.VISIT,
            reference=reference,
        )
    except ValidationError as exc:
        # Report it against the question that carried the value.
        if hasattr(exc, "error_dict"):
            raise ValidationError(
                {f"registry_{k}": " ".join(v) for k, v in exc.message_dict.items()}
            ) from exc
        raise


def _finding_create(
    *,
    actor: User,
    visit: Visit,
    kind_code: str,
    description: str,
    grade: str | None,
    client_uuid: uuid.UUID,
) -> Any:
    """One finding raised on the spot, through the findings ledger's creation service."""
    from zoufang.findings.models import Source
    from zoufang.findings.services import finding_create

    return finding_create(
        actor=actor,
        kind_code=kind_code,
        description=description,
        beat=visit.beat,
        place=visit.place,
        latitude=visit.latitude,
        longitude=visit.longitude,
        grade=grade,
        source=Source.VISIT,
        client_uuid=client_uuid,
        visit_id=visit.pk,
        campaign=visit.campaign,
    ).finding


@transaction.atomic
def visit_finding_raise(
    *,
    actor: User,
    visit: Visit,
    kind_code: str,
    description: str,
    grade: str | None = None,
    client_uuid: uuid.UUID | str,
) -> tuple[Any, bool]:
    """A finding raised after the visit was sent (the phone's "raise a finding"). Idempotent
    by the finding's client UUID (the ledger's own rule); returns (finding, created)."""
    from zoufang.findings.models import Finding
    from zoufang.findings.services import FindingConflict

    if not may_record(actor, visit.task):
        raise PermissionDenied(_("You may not add to this visit."))
    if grade and grade not in GRADES:
        raise ValidationError({"grade": _("Unknown urgency.")})
    client_uuid = uuid.UUID(str(client_uuid))
    before = Finding.objects.filter(client_uuid=client_uuid).exists()
    try:
        finding = _finding_create(
            actor=actor,
            visit=visit,
            kind_code=kind_code,
            description=description,
            grade=grade,
            client_uuid=client_uuid,
        )
    except FindingConflict as exc:
        raise VisitConflict(str(exc)) from exc
    if finding.visit_id != visit.pk:
        raise VisitConflict(_("This client UUID was already used for another visit's finding."))
    if not before:
        Visit.objects.filter(pk=visit.pk).update(finding_count=visit.finding_count + 1)
    return finding, not before


# ---- photos -----------------------------------------------------------------------------------

_SIGNATURES = [
    (b"\xff\xd8\xff", ".jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", ".png", "image/png"),
    (b"GIF87a", ".gif", "image/gif"),
    (b"GIF89a", ".gif", "image/gif"),
]


def _image_type(head: bytes) -> tuple[str, str] | None:
    for signature, ext, mime in _SIGNATURES:
        if head.startswith(signature):
            return ext, mime
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ".webp", "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in {b"heic", b"heix", b"mif1", b"heif"}:
        return ".heic", "image/heic"
    return None


def photo_max_bytes() -> int:
    return int(getattr(settings, "VISITS_PHOTO_MAX_MB", 8) * 1024 * 1024)


def photo_check(upload: Any) -> tuple[bytes, str, str]:
    """The file's bytes, extension and type, or ValidationError saying what to fix."""
    limit = photo_max_bytes()
    if upload.size > limit:
        raise ValidationError(
            {
                "photo": _(
                    "The photo %(name)s is %(size).1f MB; the limit is %(max)s MB. Take it at a "
                    "lower resolution."
                )
                % {"name": upload.name, "size": upload.size / 1048576, "max": limit // 1048576}
            }
        )
    data = upload.read()
    kind = _image_type(data[:16])
    if kind is None:
        raise ValidationError(
            {
                "photo": _("%(name)s is not a photo: send a JPEG, PNG, WebP or HEIC image.")
                % {"name": upload.name}
            }
        )
    return data, kind[0], kind[1]


@transaction.atomic
def visit_photo_add(
    *,
    actor: User,
    visit_uuid: uuid.UUID | str,
    upload: Any,
    client_uuid: uuid.UUID | str | None = None,
) -> tuple[VisitPhoto, bool]:
    """Store one photo for the visit with client UUID `visit_uuid` (sent before or after the
    visit). At most five per visit; images only; size-limited. Idempotent by `client_uuid`."""
    visit_uuid = uuid.UUID(str(visit_uuid))
    client_uuid = uuid.UUID(str(client_uuid)) if client_uuid else uuid.uuid4()
    data, ext, mime = photo_check(upload)
    digest = _hash({"visit": str(visit_uuid), "sha": hashlib.sha256(data).hexdigest()})
    existing = VisitPhoto.objects.filter(client_uuid=client_uuid).first()
    if existing is not None:
        if existing.payload_hash != digest:
            raise VisitConflict()
        return existing, False
    visit = Visit.objects.select_for_update().filter(client_uuid=visit_uuid).first()
    if visit is not None:
        if not user_scope(actor).contains(visit.unit_path):
            raise Http404
        if not may_record(actor, visit.task):
            raise PermissionDenied(_("You may not add to this visit."))
    count = VisitPhoto.objects.filter(visit_uuid=visit_uuid).count()
    if count >= MAX_PHOTOS:
        raise ValidationError({"photo": _("A visit has at most %(n)s photos.") % {"n": MAX_PHOTOS}})
    photo = VisitPhoto(
        visit_uuid=visit_uuid,
        visit=visit,
        extension=ext,
        content_type=mime,
        size=len(data),
        uploaded_by=actor,
        client_uuid=client_uuid,
        payload_hash=digest,
    )
    photo.image.save(f"{client_uuid}{ext}", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            photo.save()
    except IntegrityError:
        photo.image.delete(save=False)
        existing = VisitPhoto.objects.filter(client_uuid=client_uuid).first()
        if existing is not None and existing.payload_hash == digest:
            return existing, False
        raise VisitConflict() from None
    return photo, True


# ---- registry corrections ---------------------------------------------------------------------


@transaction.atomic
def correction_decide(
    *, request: CorrectionRequest, actor: User, apply: bool, note: str = ""
) -> CorrectionRequest:
    """A manager applies a correction to the registry (demolished or not found: the address is
    retired; vacant: the dwelling is marked vacant) or rejects it (the task reopens)."""
    if not user_manages(actor, request.unit_path):
        raise PermissionDenied(_("Only the station chief or above decides corrections."))
    request = CorrectionRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != CorrectionRequest.State.OPEN:
        raise ValidationError(_("This request was already decided."))
    if apply:
        if request.place_id:
            _registry_correct(place=request.place, actor=actor, reason=request.reason, ref=request)
        request.state = CorrectionRequest.State.APPLIED
    else:
        request.state = CorrectionRequest.State.REJECTED
        task = VisitTask.objects.select_for_update().get(pk=request.task_id)
        if task.state == TaskState.INVALID:
            task.state = TaskState.PENDING
            task.save(update_fields=["state", "updated_at"])
            TaskEvent.objects.create(
                task=task,
                action="reopen",
                old=TaskState.INVALID,
                new=TaskState.PENDING,
                actor=actor,
                reason=note[:200],
            )
    request.decided_by, request.decided_at = actor, timezone.now()
    request.decision_note = (note or "").strip()[:200]
    request.save()
    return request


def _registry_correct(*, place: Place, actor: User, reason: str, ref: CorrectionRequest) -> None:
    from zoufang.registry.models import Change, Household
    from zoufang.registry.services import household_update, place_update

    reference = f"visit:{ref.visit_id}"
    if reason == Outcome.VACANT:
        household = Household.objects.filter(place=place).first()
        if household is not None:
            household_update(
                household=household,
                actor=actor,
                changes={"use": Household.Use.VACANT},
                source=Change.Source.VISIT,
                reference=reference,
            )
            return
    place_update(
        place=place,
        actor=actor,
        changes={"is_active": False},
        source=Change.Source.VISIT,
        reference=reference,
    )


def open_task_count(*, campaign: Campaign, beat: Unit) -> int:
    return VisitTask.objects.filter(campaign=campaign, beat=beat, state__in=OPEN_STATES).count()


def tasks_of_batch(*, campaign: Campaign, beat: Unit, batch: str) -> list[VisitTask]:
    return list(
        VisitTask.objects.filter(campaign=campaign, beat=beat, batch=batch)
        .filter(Q(state__in=OPEN_STATES))
        .select_related("beat", "team")
    )
