"""Recording a cross-inspection: the checklist, the result, the evidence and its photos
(photos checked by their bytes and size as visit photos are: `visits.services.photos`)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zoufang.supervision.access import may_record_inspection
from zoufang.supervision.models import CrossInspection, InspectionPhoto
from zoufang.visits.services.photos import photo_check

if TYPE_CHECKING:
    from zoufang.org.models import User

MAX_PHOTOS = 10


def _answer(value: Any) -> bool | None:
    if value in ("yes", True):
        return True
    if value in ("no", False):
        return False
    return None


@transaction.atomic
def inspection_record(
    *,
    inspection: CrossInspection,
    actor: User,
    checklist: dict[str, Any],
    result: str,
    evidence: str,
    photos: list[Any] | None = None,
) -> CrossInspection:
    """Complete the inspection: every checklist item answered, a result, the evidence."""
    inspection = CrossInspection.objects.select_for_update().get(pk=inspection.pk)
    if not may_record_inspection(actor, inspection):
        raise PermissionDenied(_("You may not record this inspection."))
    errors: dict[str, str] = {}
    answers = {}
    for item in CrossInspection.CHECKLIST:
        answers[item] = _answer(checklist.get(item))
        if answers[item] is None:
            errors[item] = _("Answer yes or no.")
    if result not in CrossInspection.Result.values:
        errors["result"] = _("Choose a result.")
    if not evidence.strip():
        errors["evidence"] = _("Write down the evidence: what you saw and where.")
    photos = photos or []
    if len(photos) + inspection.photos.count() > MAX_PHOTOS:
        errors["photos"] = _("At most %(n)s photos per inspection.") % {"n": MAX_PHOTOS}
    checked = []
    for upload in photos:
        try:
            checked.append((upload, *photo_check(upload)))
        except ValidationError as exc:
            errors["photos"] = " ".join(exc.messages)
    if errors:
        raise ValidationError(errors)
    for item, value in answers.items():
        setattr(inspection, item, value)
    inspection.result = result
    inspection.evidence = evidence.strip()
    inspection.state = CrossInspection.State.DONE
    inspection.done_by = actor
    inspection.done_at = timezone.now()
    inspection.save()
    for _upload, data, ext, mime in checked:
        photo = InspectionPhoto(
            inspection=inspection,
            name=f"{uuid.uuid4().hex}{ext}",
            content_type=mime,
            size=len(data),
            uploaded_by=actor,
        )
        photo.image.save(photo.name, ContentFile(data), save=False)
        photo.save()
    return inspection
