"""Registry correction requests a visit raised (address not found, demolished, vacant): a
manager applies one to the registry through its services, or rejects it and the task reopens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zoufang.visits import rollups
from zoufang.visits.access import may_decide_correction
from zoufang.visits.models import CorrectionRequest, Outcome, TaskState, VisitTask
from zoufang.visits.services.common import task_event

if TYPE_CHECKING:
    from zoufang.org.models import User
    from zoufang.registry.models import Place


@transaction.atomic
def correction_decide(
    *, request: CorrectionRequest, actor: User, apply: bool, note: str = ""
) -> CorrectionRequest:
    """A manager applies a correction to the registry (demolished or not found: the address is
    retired; vacant: the dwelling is marked vacant) or rejects it (the task reopens)."""
    if not may_decide_correction(actor, request.unit_path):
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
            before = rollups.task_deltas([task])
            task.state = TaskState.PENDING
            task.save(update_fields=["state", "updated_at"])
            rollups.task_rollup_move(before, [task])
            task_event(task, "reopen", actor, TaskState.INVALID, TaskState.PENDING, note).save()
    request.decided_by, request.decided_at = actor, timezone.now()
    request.decision_note = (note or "").strip()[:200]
    request.save()
    return request


def _registry_correct(*, place: Place, actor: User, reason: str, ref: CorrectionRequest) -> None:
    from zoufang.registry.models import Change, Household
    from zoufang.registry.services import Edit, household_update, place_update

    reference = f"visit:{ref.visit_id}"
    if reason == Outcome.VACANT:
        household = Household.objects.filter(place=place).first()
        if household is not None:
            household_update(
                household=household,
                changes={"use": Household.Use.VACANT},
                by=Edit(actor, Change.Source.VISIT, reference),
            )
            return
    place_update(
        place=place, changes={"is_active": False}, by=Edit(actor, Change.Source.VISIT, reference)
    )
