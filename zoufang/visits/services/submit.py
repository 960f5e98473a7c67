"""Submitting a visit: idempotent by the phone's UUID, the task's row locked while it is
checked and written, the visit written with everything that goes with it in one go.

On PostgreSQL the lock and the write are the hand-written statements of `visits.pgsubmit`
(the campaign's hottest write); elsewhere, or with `VISITS_PG_FAST_PATH = False`, the ORM
writes the same rows statement by statement (`_visit_insert_orm`). Tests run both paths on
PostgreSQL, and a test holds the columns the hand-written SQL writes to the models'."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from zoufang.core.scope import user_scope
from zoufang.org.models import TeamMember
from zoufang.visits import pgsubmit, rollups
from zoufang.visits.access import may_record
from zoufang.visits.models import (
    ADDRESS_PROBLEMS,
    OUTCOME_TO_STATE,
    CorrectionRequest,
    Outcome,
    RegistryState,
    TaskEvent,
    TaskState,
    Visit,
    VisitFocus,
    VisitLeaflet,
    VisitMember,
    VisitPhoto,
    VisitTask,
    VisitTopic,
)
from zoufang.visits.services.checks import Checked, visit_check
from zoufang.visits.services.common import VisitConflict, content_hash
from zoufang.visits.services.heard import visit_asks_call_in, visit_heard_write
from zoufang.visits.services.registry_link import queue_registry_apply, seal
from zoufang.visits.services.spot_findings import finding_create_for_visit

if TYPE_CHECKING:
    from zoufang.org.models import User

# The task's columns a visit moves on (state, attempts…): both write paths update these.
TASK_VISIT_FIELDS = ("state", "attempts", "last_visit_at", "retry_off_hours", "updated_at")


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
    focuses: list[str] = field(default_factory=list)  # inspection focus codes (排查重点)


@dataclass
class SubmitResult:
    visit: Visit
    created: bool
    task_state: str = ""  # the task's state now ("": not read, for a replay on the ORM path)

    @property
    def call_in(self) -> bool:
        """Whether the recorder is asked to call the station (the neutral prompt of a wanted
        match: `services.heard`)."""
        return visit_asks_call_in(self.visit)


def visit_payload_hash(task_id: int, data: VisitInput) -> str:
    payload = asdict(data)
    payload["task"] = task_id
    for key in ("started_at", "ended_at"):
        value = payload[key]
        payload[key] = value.astimezone(dt.UTC).isoformat() if value else None
    payload["members"] = sorted(payload["members"])
    payload["topics"] = sorted(payload["topics"])
    # A visit sent without focuses hashes as it did before focuses existed: a phone resending
    # a visit queued offline across the upgrade gets its visit back, not a conflict.
    if payload["focuses"]:
        payload["focuses"] = sorted(payload["focuses"])
    else:
        del payload["focuses"]
    return content_hash(payload)


def fast_path() -> bool:
    """Whether submissions take pgsubmit's hand-written statements: on PostgreSQL, unless the
    setting VISITS_PG_FAST_PATH is False (tests run the ORM path on PostgreSQL with it)."""
    return connection.vendor == "postgresql" and getattr(settings, "VISITS_PG_FAST_PATH", True)


def _stored(client_uuid: uuid.UUID) -> tuple[int, str] | None:
    """(id, payload hash) of the visit already stored under this client UUID, if any."""
    return Visit.objects.filter(client_uuid=client_uuid).values_list("pk", "payload_hash").first()


def _replayed(stored: tuple[int, str] | None, digest: str) -> SubmitResult | None:
    if stored is None:
        return None
    if stored[1] != digest:
        raise VisitConflict()
    if fast_path():  # phones resend often: one statement
        visit, task_state = pgsubmit.visit_answer(stored[0])
        return SubmitResult(visit=visit, created=False, task_state=task_state)
    return SubmitResult(visit=Visit.objects.get(pk=stored[0]), created=False)


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
    if fast_path():
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
    input raises ValidationError naming the fields. Photos the actor sent ahead under the
    client UUID are attached (another user's are not). Returns only after the transaction
    has committed."""
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
    now = timezone.now()
    checked = visit_check(
        actor=actor,
        task=task,
        team_members=locked.members,
        campaign_start=locked.campaign_start,
        data=data,
        now=now,
    )
    visit = _visit_row(actor, task, data, checked, now=now, client_uuid=client_uuid)
    visit.payload_hash = digest
    event = _task_moves_on(task, actor, data.outcome, now=now, ended=visit.ended_at)
    topics, leaflets = [i.pk for i in checked.topics], [(i.pk, q) for i, q in checked.leaflets]
    # The counts the visit adds to the rollups, written with it (docs/decisions/0011-rollups.md).
    counts = rollups.visit_deltas(
        visit, task=task, old_state=event.old, topics=topics, leaflets=leaflets
    )
    # One write for the visit and all that goes with it. A UUID clash aborts the whole
    # transaction; visit_submit handles it.
    write = pgsubmit.insert_visit if fast_path() else _visit_insert_orm
    visit.photo_total = write(
        visit=visit,
        members=checked.members,
        topics=topics,
        leaflets=leaflets,
        task=task,
        event=event,
        focuses=[i.pk for i in checked.focuses],
        counts=counts,
    )
    visit.member_ids = checked.members
    visit_heard_write(visit=visit, clean=checked.clean)
    if visit.registry_state == RegistryState.PENDING:
        transaction.on_commit(partial(queue_registry_apply, visit.pk), robust=True)
    _raise_findings(actor, visit, checked.clean.findings + checked.spot_findings, client_uuid)
    if data.outcome in ADDRESS_PROBLEMS:
        CorrectionRequest.of_visit(visit).save()
    return SubmitResult(visit=visit, created=True, task_state=task.state)


def _visit_row(
    actor: User,
    task: VisitTask,
    data: VisitInput,
    checked: Checked,
    *,
    now: dt.datetime,
    client_uuid: uuid.UUID,
) -> Visit:
    """The visit as it will be written (unsaved), its registry answers sealed when the
    registry has something to learn from it."""
    form = checked.form
    visit = Visit(
        task_id=task.pk,
        campaign_id=task.campaign_id,
        beat_id=task.beat_id,
        unit_path=task.unit_path,
        kind=task.kind,
        place_id=task.place_id,
        team_id=checked.team_id,
        outcome=data.outcome,
        method=checked.method,
        started_at=data.started_at,
        ended_at=data.ended_at,
        latitude=checked.latitude,
        longitude=checked.longitude,
        gps_accuracy=checked.gps_accuracy,
        form=form,
        form_version=form.version if form else 1,
        answers=checked.clean.answers,
        note=(data.note or "").strip()[:4000],
        topic_count=len(checked.topics),
        leaflet_count=sum(q for _i, q in checked.leaflets),
        recorded_by=actor,
        created_at=now,
        client_uuid=client_uuid,
    )
    if data.outcome == Outcome.VISITED and task.place_id and checked.clean.registry:
        # The registry learns it after the commit (visits.apply_registry): the submission is
        # acknowledged without waiting for the registry's services and their history rows.
        visit.registry_state = RegistryState.PENDING
        visit.registry_answers = seal(checked.clean.registry)
    return visit


def _task_moves_on(
    task: VisitTask, actor: User, outcome: str, *, now: dt.datetime, ended: dt.datetime
) -> TaskEvent:
    """Move the task (unsaved) to the state the outcome gives it; the event that says so."""
    state = OUTCOME_TO_STATE[Outcome(outcome)]
    old_state = task.state
    task.state = state
    task.attempts += 1
    task.last_visit_at = ended
    # Nobody home: back on the list, flagged for evenings or the weekend (错时).
    task.retry_off_hours = state == TaskState.RETRY
    task.updated_at = now
    return TaskEvent(
        task_id=task.pk,
        action="visit",
        old=old_state,
        new=state,
        actor=actor,
        reason=str(Outcome(outcome).label)[:200],
        at=now,
    )


def _raise_findings(
    actor: User, visit: Visit, items: list[dict[str, Any]], client_uuid: uuid.UUID
) -> None:
    """The findings of the form and those added by hand, each with a UUID derived from the
    visit's (a replay never doubles them)."""
    for n, item in enumerate(items):
        finding_create_for_visit(
            actor=actor,
            visit=visit,
            kind_code=item["kind"],
            description=item["description"],
            grade=item.get("grade") or None,
            client_uuid=uuid.uuid5(client_uuid, f"finding:{n}"),
        )
    if items:
        visit.finding_count = len(items)
        visit.save(update_fields=["finding_count"])


def _visit_insert_orm(
    *,
    visit: Visit,
    members: list[int],
    topics: list[int],
    leaflets: list[tuple[int, int]],
    task: VisitTask,
    event: TaskEvent,
    counts: dict[Any, list[Any]],
    focuses: list[int] = (),  # type: ignore[assignment]
) -> int:
    """The same write as `pgsubmit.insert_visit`, statement by statement. Returns the number
    of photos its submitter sent ahead that were waiting for the visit."""
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
    VisitFocus.objects.bulk_create(
        VisitFocus(
            visit=visit, item_id=pk, campaign_id=visit.campaign_id, unit_path=visit.unit_path
        )
        for pk in focuses
    )
    VisitLeaflet.objects.bulk_create(
        VisitLeaflet(visit=visit, item_id=pk, quantity=q) for pk, q in leaflets
    )
    photos = VisitPhoto.objects.filter(
        visit_uuid=visit.client_uuid, visit__isnull=True, uploaded_by_id=visit.recorded_by_id
    ).update(visit=visit)
    task.save(update_fields=TASK_VISIT_FIELDS)
    event.save(force_insert=True)
    rollups.visit_rollups_add(counts)
    return photos
