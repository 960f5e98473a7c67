"""Recording a verification: the supervisor's answers on a sampled visit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zoufang.supervision.access import is_supervisor, may_verify, verifies_own_unit
from zoufang.supervision.models import VerificationTask

if TYPE_CHECKING:
    from zoufang.org.models import User


def _yes_no(value: object, label: str) -> bool:
    if value in (True, "yes", "true", "1", "on"):
        return True
    if value in (False, "no", "false", "0"):
        return False
    raise ValidationError({label: _("Answer yes or no.")})


@transaction.atomic
def verification_record(
    *,
    task: VerificationTask,
    actor: User,
    method: str,
    happened: object,
    facts_right: object = None,
    satisfaction: str = "",
    note: str = "",
) -> VerificationTask:
    """Record what the supervisor found. A supervisor never verifies their own unit."""
    task = VerificationTask.objects.select_for_update().get(pk=task.pk)
    if is_supervisor(actor) and verifies_own_unit(actor, task.unit_path):
        raise PermissionDenied(_("A supervisor cannot verify a visit of their own unit."))
    if not may_verify(actor, task):
        raise PermissionDenied(_("You may not verify this visit."))
    errors: dict[str, str] = {}
    if method not in VerificationTask.Method.values:
        errors["method"] = _("Choose on site or by phone.")
    try:
        did_happen = _yes_no(happened, "happened")
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
        did_happen = False
    right = False
    if did_happen:
        try:
            right = _yes_no(facts_right, "facts_right")
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
        if satisfaction not in VerificationTask.Satisfaction.values:
            errors["satisfaction"] = _("Record the resident's satisfaction.")
    elif not note.strip():
        errors["note"] = _("Say what you found when the visit did not happen.")
    if errors:
        raise ValidationError(errors)
    task.method = method
    task.happened = did_happen
    task.facts_right = right
    task.satisfaction = satisfaction if did_happen else ""
    task.note = note.strip()
    task.state = VerificationTask.State.DONE
    task.supervisor = task.supervisor or actor
    task.verified_by = actor
    task.verified_at = timezone.now()
    task.save(
        update_fields=[
            "method",
            "happened",
            "facts_right",
            "satisfaction",
            "note",
            "state",
            "supervisor",
            "verified_by",
            "verified_at",
            "updated_at",
        ]
    )
    return task
