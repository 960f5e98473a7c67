"""What a visit's form learnt, into the registry after the visit has committed: the sealed
answers kept on the visit, the message queued on commit, applying it once, and the sweep for
lost messages. The registry is changed only through its services, from one adapter
(`_registry_apply`)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from zoufang.visits.models import RegistryState, Visit

if TYPE_CHECKING:
    from zoufang.org.models import User
    from zoufang.registry.models import Place

logger = logging.getLogger(__name__)


def seal(answers: dict[str, Any]) -> str:
    from zoufang.registry import crypto

    return crypto.encrypt(json.dumps(answers, ensure_ascii=False, default=str))


def _unseal(token: str) -> dict[str, Any]:
    from zoufang.registry import crypto

    return json.loads(crypto.decrypt(token)) if token else {}


def queue_registry_apply(visit_id: int) -> None:
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


def _registry_apply(*, place: Place, actor: User, answers: dict[str, Any], reference: str) -> None:
    """What the form learned, into the registry through its services (history source VISIT).
    Answers for a record the place does not have (a key place without a shop record) are
    kept on the visit only."""
    from zoufang.registry.models import Change, Enterprise, Shop
    from zoufang.registry.services import Edit, registry_apply

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
        registry_apply(place=place, answers=answers, by=Edit(actor, Change.Source.VISIT, reference))
    except ValidationError as exc:
        # Report it against the question that carried the value.
        if hasattr(exc, "error_dict"):
            raise ValidationError(
                {f"registry_{k}": " ".join(v) for k, v in exc.message_dict.items()}
            ) from exc
        raise
