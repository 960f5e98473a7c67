"""Big-visit API for phone clients: my tasks, submit a visit, upload a photo, raise a
finding, the forms, coverage. Each submission carries the phone's UUID: resending it returns
the first result (200), other content under the same UUID is refused (409), and a 201/200 is
only sent after the visit is committed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Router
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from zoufang.campaigns.models import Campaign
from zoufang.core.api import ID_FILTER, BoundedLimitOffset, Id, LazyMap, responses
from zoufang.core.scope import user_scope
from zoufang.org.access import get_unit_for_user
from zoufang.org.models import Unit, User
from zoufang.visits import access, selectors, services
from zoufang.visits.models import Visit, VisitTask
from zoufang.visits.schemas import (
    CoverageOut,
    FormOut,
    PhotoOut,
    TaskOut,
    VisitFindingIn,
    VisitFindingOut,
    VisitIn,
    VisitOut,
)

router = Router(tags=["visits"])


class Conflict(HttpError):
    def __init__(self, message: str, existing: dict | None = None) -> None:
        super().__init__(409, message)
        self.code = "conflict"
        # What the server holds under the UUID, for the offline app's conflict screen.
        self.existing = existing


@contextmanager
def _conflict_is_409() -> Iterator[None]:
    """A client UUID reused for other content is answered 409 with code "conflict"."""
    try:
        yield
    except services.VisitConflict as exc:
        raise Conflict(str(exc)) from exc


def _answer(created: bool, body: dict) -> Status:
    """201 for what this request created, 200 for the same request sent again."""
    return Status(201 if created else 200, body)


def _campaign() -> Campaign:
    campaign = Campaign.objects.current()
    if campaign is None:
        raise HttpError(404, _("There is no current campaign."))
    return campaign


def task_out(t: VisitTask, forms: dict[str, str | None]) -> dict:
    return {
        "id": t.pk,
        "kind": t.kind,
        "kind_label": t.get_kind_display(),
        "address": t.address,
        "batch": t.batch,
        "beat_id": t.beat_id,
        "place_id": t.place_id,
        "team_id": t.team_id,
        "state": t.state,
        "state_label": t.get_state_display(),
        "attempts": t.attempts,
        "retry_off_hours": t.retry_off_hours,
        "method": t.method,
        "appointment_date": t.appointment_date,
        "appointment_start": t.appointment_start,
        "appointment_end": t.appointment_end,
        "form_code": forms.get(t.kind),
    }


def _form_codes(campaign: Campaign) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for form in campaign.forms.all():
        for kind in form.applies_to or []:
            out.setdefault(kind, form.code)
    return out


@router.get(
    "/tasks",
    response=responses(list[TaskOut], 401, 404, 422),
    summary="My tasks (today's list by default)",
)
@paginate(BoundedLimitOffset)
def tasks(request: HttpRequest, beat: int | None = ID_FILTER, all: bool = False) -> LazyMap:
    """Without `beat`: the open tasks of my team for today, appointments first, then by
    address. With `beat`: that beat's tasks (open ones unless `all`)."""
    campaign = _campaign()
    forms = _form_codes(campaign)
    if beat is not None:
        unit = access.get_beat_for_user(request.user, beat)
        qs = selectors.task_list(
            request.user, beat=unit, campaign=campaign, state="" if all else "open"
        )
    else:
        team = selectors.user_team(request.user, campaign)
        if team is None:
            qs = VisitTask.objects.none()
        elif all:
            qs = VisitTask.objects.filter(team=team).order_by("sort_key", "pk")
        else:
            qs = selectors.today_tasks(team, day=timezone.localdate())
    return LazyMap(qs, lambda t: task_out(t, forms))


@router.get("/tasks/{int:task_id}", response=responses(TaskOut, 401, 404, 422))
def task(request: HttpRequest, task_id: Id) -> dict:
    t = access.get_task_for_user(request.user, task_id)
    return task_out(t, _form_codes(t.campaign))


@router.get(
    "/forms", response=responses(list[FormOut], 401, 404), summary="The campaign's visit forms"
)
def forms(request: HttpRequest) -> list:
    campaign = _campaign()
    focuses = selectors.focus_choices(campaign)
    return [
        {
            "code": f.code,
            "name": f.name,
            "applies_to": f.applies_to,
            "version": f.version,
            "sections": f.schema.get("sections", []),
            "focuses": focuses,
        }
        for f in campaign.forms.all()
    ]


def visit_out(visit: Visit, task_state: str | None = None) -> dict:
    """The visit as the phone sees it. A visit just created carries what it knows (its
    members, photos attached, task state), so the answer costs no extra queries."""
    from zoufang.findings.models import Finding

    if task_state is None:
        task_state = VisitTask.objects.filter(pk=visit.task_id).values_list("state", flat=True)[0]
    members = getattr(visit, "member_ids", None)
    if members is None:
        members = sorted(visit.members.values_list("personnel_id", flat=True))
    photos = getattr(visit, "photo_total", None)
    if photos is None:
        photos = visit.photos.count()
    findings = (
        list(Finding.objects.filter(visit_id=visit.pk).order_by("pk").values_list("pk", flat=True))
        if visit.finding_count
        else []
    )
    return {
        "id": visit.pk,
        "client_uuid": visit.client_uuid,
        "task_id": visit.task_id,
        "task_state": task_state,
        "outcome": visit.outcome,
        "started_at": visit.started_at,
        "ended_at": visit.ended_at,
        "team_id": visit.team_id,
        "members": members,
        "topic_count": visit.topic_count,
        "leaflet_count": visit.leaflet_count,
        "finding_count": visit.finding_count,
        "photo_count": photos,
        "finding_ids": findings,
        "call_in": services.visit_asks_call_in(visit),
    }


@router.post(
    "/",
    response=responses({200: VisitOut, 201: VisitOut}, 400, 401, 403, 404, 409, 422),
    summary="Submit a visit (idempotent by client_uuid)",
)
def submit(request: HttpRequest, payload: VisitIn) -> Status:
    data = services.VisitInput(**payload.model_dump(exclude={"client_uuid", "task_id"}))
    try:
        # The task's access check (404 outside the user's subtree) is the service's row lock.
        result = services.visit_submit(
            actor=request.user, task_id=payload.task_id, data=data, client_uuid=payload.client_uuid
        )
    except services.VisitConflict as exc:
        existing = selectors.visit_version(request.user, payload.client_uuid)
        raise Conflict(str(exc), existing) from exc
    # visit_submit has committed by now: the acknowledgement follows the commit.
    return _answer(result.created, visit_out(result.visit, task_state=result.task_state or None))


@router.get(
    "/{int:visit_id}", response=responses(VisitOut, 401, 404, 422), operation_id="visits_detail"
)
def visit(request: HttpRequest, visit_id: Id) -> dict:
    return visit_out(access.get_visit_for_user(request.user, visit_id))


@router.post(
    "/photos",
    response=responses({200: PhotoOut, 201: PhotoOut}, 400, 401, 403, 404, 409, 422),
    summary="Upload a photo of a visit (before or after the visit itself)",
)
def photo(
    request: HttpRequest,
    visit_uuid: Form[uuid.UUID],
    client_uuid: Form[uuid.UUID],
    file: File[UploadedFile],
) -> Status:
    if user_scope(request.user).nothing:
        raise HttpError(404, _("Not found."))
    with _conflict_is_409():
        item, created = services.visit_photo_add(
            actor=request.user, visit_uuid=visit_uuid, upload=file, client_uuid=client_uuid
        )
    return _answer(
        created,
        {
            "id": item.pk,
            "client_uuid": item.client_uuid,
            "visit_uuid": item.visit_uuid,
            "visit_id": item.visit_id,
            "size": item.size,
            "content_type": item.content_type,
        },
    )


@router.post(
    "/{int:visit_id}/findings",
    response=responses({200: VisitFindingOut, 201: VisitFindingOut}, 400, 401, 403, 404, 409, 422),
    summary="Raise a finding from a visit (idempotent by client_uuid)",
)
def raise_finding(request: HttpRequest, visit_id: Id, payload: VisitFindingIn) -> Status:
    v = access.get_visit_for_user(request.user, visit_id)
    with _conflict_is_409():
        finding, created = services.visit_finding_raise(
            actor=request.user,
            visit=v,
            kind_code=payload.kind,
            description=payload.description,
            grade=payload.grade or None,
            client_uuid=payload.client_uuid,
        )
    return _answer(
        created,
        {
            "id": finding.pk,
            "number": finding.number,
            "visit_id": v.pk,
            "kind": finding.kind.code,
            "state": finding.state,
        },
    )


def _counts(c: selectors.Counts) -> dict:
    return {
        "places": c.total,
        "visited": c.visited,
        "not_reached": c.retry,
        "refused": c.refused,
        "address_problems": c.invalid,
        "not_attempted": c.pending,
        "visited_rate": c.rate,
    }


def _row(r: selectors.CoverageRow) -> dict:
    return {
        "unit_id": r.unit.pk if r.unit else None,
        "name": r.label,
        "total": _counts(r.total),
        "by_kind": {k: _counts(c) for k, c in r.by_kind.items()},
    }


@router.get(
    "/coverage",
    response=responses(CoverageOut, 401, 404, 422),
    summary="Coverage of a unit and its children",
)
def coverage(request: HttpRequest, unit: int | None = ID_FILTER) -> dict:
    user: User = request.user
    campaign = _campaign()
    target: Unit | None = get_unit_for_user(user, unit) if unit else selectors.coverage_root(user)
    if target is None:
        raise HttpError(404, _("Not found."))
    own, children = selectors.coverage_children(user, unit=target, campaign=campaign)
    comp = selectors.compliance(user, unit=target, campaign=campaign)
    return {
        "unit": _row(own),
        "children": [_row(r) for r in children],
        "compliance_rate": comp.rate,
        "avg_topics": comp.avg_topics,
        "leaflets": comp.leaflets,
    }
