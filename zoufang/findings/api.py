"""Findings API: create (idempotent by client UUID), list within scope, read, transition."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.responses import Status

from zoufang.core.api import ID_FILTER, BoundedLimitOffset, Id, LazyMap, responses
from zoufang.core.masking import mask_phone
from zoufang.findings import access, selectors
from zoufang.findings.models import Finding, FindingKind, Grade
from zoufang.findings.schemas import (
    FindingCreatedOut,
    FindingDetailOut,
    FindingIn,
    FindingOut,
    KindOut,
    TransitionIn,
)
from zoufang.findings.services.audit import record_access
from zoufang.findings.services.create import FindingConflict, finding_create
from zoufang.findings.services.workflow import FindingChanged, finding_transition
from zoufang.org.access import get_unit_for_user
from zoufang.org.models import Unit, User

router = Router(tags=["findings"])

# The payload fields that reach the service under their own names (the rest are looked up).
_CREATE_AS_SENT = {
    "description", "place_text", "latitude", "longitude", "grade",
    "resident_name", "resident_phone", "client_uuid", "visit_id",
}  # fmt: skip
_TRANSITION_AS_SENT = {"action", "version", "comment", "grade", "deadline", "satisfied"}


class Conflict(HttpError):
    def __init__(self, message: str, code: str, existing: dict | None = None) -> None:
        super().__init__(409, message)
        self.code = code
        # What the server holds under the UUID, for the offline app's conflict screen.
        self.existing = existing


def finding_version(user: User, f: Finding) -> dict | None:
    """A finding as the offline app's conflict screen sets it beside the phone's version
    (None when the user may not read it)."""
    if not (access.may_see(user, f) and access.can_read(user, f)):
        return None
    phone = f.resident_phone
    if not access.may_see_personal_data(user, f):
        phone = mask_phone(phone)
    return {
        "title": f.number,
        "kind": str(f.kind),
        "description": f.description,
        "place_text": f.place_text,
        "grade": f.get_grade_display(),
        "resident_name": f.resident_name,
        "resident_phone": phone,
        "state": f.get_state_display(),
    }


def finding_out(user: User, f: Finding, *, readable: bool | None = None) -> dict:
    if readable is None:
        readable = access.can_read(user, f)
    if not readable:
        return {"id": f.pk, "number": f.number, "restricted": True}
    phone = f.resident_phone
    if not access.may_see_personal_data(user, f):
        phone = mask_phone(phone)
    return {
        "id": f.pk,
        "number": f.number,
        "restricted": False,
        "kind": f.kind.code,
        "kind_name": str(f.kind),
        "description": f.description,
        "state": f.state,
        "state_label": f.get_state_display(),
        "grade": f.grade,
        "beat_id": f.beat_id,
        "place_text": f.place_text,
        "owner_unit_id": f.owner_unit_id,
        "owner_unit_name": f.owner_unit.name,
        "owner_department": f.owner_department.name if f.owner_department_id else None,
        "co_handlers": f.co_handlers,
        "assignee_id": f.assignee_id,
        "deadline": f.deadline,
        "is_overdue": f.is_overdue,
        "supervised": f.supervised,
        "resident_name": f.resident_name,
        "resident_phone": phone,
        "version": f.version,
        "created_at": f.created_at,
    }


@router.get("/kinds", response=responses(list[KindOut], 401))
def kinds(request: HttpRequest) -> list:
    return [
        {
            "code": k.code,
            "name": k.name,
            "parent": k.parent.code if k.parent_id else None,
            "department": k.department.code if k.department_id else None,
            "sensitive": k.sensitive,
            "default_grade": k.default_grade,
        }
        for k in FindingKind.objects.filter(is_active=True).select_related("parent", "department")
    ]


@router.post(
    "/",
    response=responses(
        {200: FindingCreatedOut, 201: FindingCreatedOut}, 400, 401, 403, 404, 409, 422
    ),
)
def create(request: HttpRequest, payload: FindingIn) -> Status:
    """Raise a finding. The owner, department and deadline are computed on the server.
    Send a `client_uuid`: a retry with the same UUID and payload returns the first result
    (200); the same UUID with another payload is a 409 `conflict`."""
    user = request.user
    beat = place = link_to = None
    if payload.place_id is not None:
        from zoufang.registry.models import Place

        place = get_object_or_404(Place.objects.visible_to(user), pk=payload.place_id)
    elif payload.beat_id is not None:
        beat = get_object_or_404(Unit.objects.visible_to(user), pk=payload.beat_id)
    if payload.link_to is not None:
        link_to = access.get_finding_for_user(user, payload.link_to)
    try:
        result = finding_create(
            **payload.model_dump(include=_CREATE_AS_SENT),
            actor=user,
            kind_code=payload.kind,
            beat=beat,
            place=place,
            source="visit" if payload.visit_id else "officer",
            link_to=link_to,
        )
    except FindingConflict as exc:
        raise Conflict(str(exc), "conflict", finding_version(user, exc.finding)) from exc
    f = access.get_finding_for_user(user, result.finding.pk)
    body = {
        "created": result.created,
        "linked": result.linked,
        "finding": finding_out(user, f),
        "possible_duplicates": [
            {"id": d.pk, "number": d.number, "restricted": not access.can_read(user, d)}
            for d in result.duplicates
            if access.may_see(user, d)
        ],
    }
    return Status(201 if result.created else 200, body)


@router.get("/", response=responses(list[FindingOut], 401, 404, 422), operation_id="findings_list")
@paginate(BoundedLimitOffset)
def list_findings(
    request: HttpRequest,
    queue: str = "",
    kind: str = "",
    grade: str = "",
    state: str = "",
    unit: int | None = ID_FILTER,
    q: str = "",
) -> list:
    user = request.user
    filters = selectors.LedgerFilters(
        queue=queue if queue in selectors.QUEUES else "",
        kind=kind,
        grade=grade if grade in Grade.values else "",
        state=state,
        unit=get_unit_for_user(user, unit) if unit else None,
        q=q.strip()[:50],
    )
    return LazyMap(selectors.finding_list(user, filters), lambda f: finding_out(user, f))


@router.get("/{finding_id}", response=responses(FindingDetailOut, 401, 404, 422))
def detail(request: HttpRequest, finding_id: Id) -> dict:
    user = request.user
    f = access.get_finding_for_user(user, finding_id)
    readable = record_access(user, f, via="api")
    data = finding_out(user, f, readable=readable)
    if readable:
        data["allowed_actions"] = [a.name for a in access.allowed_actions(user, f)]
        data["timeline"] = [
            {
                "action": t.action,
                "label": t.action_label,
                "from_state": t.from_state,
                "to_state": t.to_state,
                "actor": t.actor.display_name if t.actor_id else None,
                "at": t.at,
                "comment": t.comment,
            }
            for t in selectors.finding_timeline(f)
        ]
    return data


@router.post(
    "/{finding_id}/transitions", response=responses(FindingOut, 400, 401, 403, 404, 409, 422)
)
def transition(request: HttpRequest, finding_id: Id, payload: TransitionIn) -> dict:
    """Apply an action. Send the `version` you read: if the finding changed since, the
    answer is 409 `changed` and nothing is saved."""
    user = request.user
    f = access.get_finding_for_user(user, finding_id)
    if not record_access(user, f, via="api"):
        raise HttpError(403, _("This is a restricted item."))
    assignee = None
    if payload.assignee_id is not None:
        assignee = User.objects.filter(pk=payload.assignee_id, is_active=True).first()
        if assignee is None:
            raise HttpError(422, _("Unknown person."))
    unit = None
    if payload.unit_id is not None:
        unit = get_object_or_404(Unit, pk=payload.unit_id)
    try:
        finding_transition(
            **payload.model_dump(include=_TRANSITION_AS_SENT),
            finding=f,
            actor=user,
            kind_code=payload.kind,
            assignee=assignee,
            unit=unit,
        )
    except FindingChanged as exc:
        raise Conflict(str(exc), "changed") from exc
    return finding_out(user, access.get_finding_for_user(user, finding_id))
