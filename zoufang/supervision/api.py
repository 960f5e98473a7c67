"""Supervision API: a supervisor's verification tasks on a phone, recording one, the score
table, and what the campaign's phase puts first (for the dashboard)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router

from zoufang.core.api import ID_FILTER, Id, responses
from zoufang.org.models import Unit
from zoufang.supervision import access
from zoufang.supervision.models import VerificationTask
from zoufang.supervision.schemas import (
    PhaseFocusOut,
    ScoreRowOut,
    VerificationIn,
    VerificationTaskOut,
)
from zoufang.supervision.selectors import common
from zoufang.supervision.selectors.verification import my_open_tasks
from zoufang.supervision.services import scores as score_service
from zoufang.supervision.services.config import weights_for
from zoufang.supervision.services.verification import verification_record

router = Router(tags=["supervision"])


def task_out(t: VerificationTask) -> dict:
    return {
        "id": t.pk,
        "state": t.state,
        "beat_id": t.beat_id,
        "beat_name": t.beat.name,
        "address": t.visit.task.address,
        "visit_id": t.visit_id,
        "visit_kind": t.visit.kind,
        "visit_started_at": t.visit.started_at,
        "supervisor_id": t.supervisor_id,
        "method": t.method,
        "happened": t.happened,
        "facts_right": t.facts_right,
        "satisfaction": t.satisfaction,
    }


@router.get("/verification/tasks", response=responses(list[VerificationTaskOut], 401, 404))
def verification_tasks(request: HttpRequest) -> list:
    """The caller's open verification tasks (assigned to them, or unassigned and not of their
    own unit). Empty for anyone but a supervisor."""
    access.require_view(request.user)
    return [task_out(t) for t in my_open_tasks(request.user, campaign=common.current_campaign())]


@router.post(
    "/verification/tasks/{task_id}", response=responses(VerificationTaskOut, 401, 403, 404, 422)
)
def verification_submit(request: HttpRequest, task_id: Id, payload: VerificationIn) -> dict:
    """Record a verification. 403 for a visit of the supervisor's own unit; 422 names the
    missing answers."""
    task = access.get_verification_task_for_user(request.user, task_id)
    data = payload.dict()
    task = verification_record(
        task=task,
        actor=request.user,
        method=data["method"],
        happened=data["happened"],
        facts_right=data["facts_right"],
        satisfaction=data["satisfaction"],
        note=data["note"],
    )
    return task_out(access.get_verification_task_for_user(request.user, task.pk))


@router.get("/scores", response=responses(list[ScoreRowOut], 401, 404, 422))
def scores(request: HttpRequest, unit: int | None = ID_FILTER) -> list:
    """The ranking of the units under `unit` (default: the caller's root unit); teams under a
    station."""
    access.require_view(request.user)
    root = access.get_unit_for_user(request.user, unit) if unit else common.root_unit(request.user)
    if root is None:
        raise ValidationError("no unit")
    campaign = common.current_campaign()
    weights = weights_for(campaign)
    if root.level == Unit.Level.STATION:
        rows = score_service.score_teams(campaign, root, weights)
    else:
        children = list(Unit.objects.visible_to(request.user).filter(parent=root)) or [root]
        rows = score_service.score_units(campaign, children, weights)
    return [
        {
            "rank": r.rank,
            "unit_id": r.unit.pk,
            "unit_name": r.unit.name,
            "team_id": r.team.pk if r.team else None,
            "score": r.score,
            "values": r.values,
        }
        for r in rows
    ]


@router.get("/phase-focus", response=responses(PhaseFocusOut, 401, 404))
def phase_focus(request: HttpRequest) -> dict:
    """What supervision puts first in the campaign's current phase: the dashboard's panel
    shows the first page's figures."""
    access.require_view(request.user)
    phase = common.current_campaign().current_phase
    kind = phase.kind if phase else None
    return {"phase": kind, "pages": [key for key, *_rest in common.pages_for_phase(kind)]}
