"""Findings raised from a visit, through the findings ledger's own service (one adapter,
`finding_create_for_visit`): those the officer adds by hand on the form, and those raised
after the visit was sent (the phone's "raise a finding")."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zoufang.visits.access import may_record
from zoufang.visits.models import Visit
from zoufang.visits.services.common import GRADES, MAX_FINDINGS, VisitConflict

if TYPE_CHECKING:
    from zoufang.org.models import User


def clean_spot_findings(items: list[dict[str, Any]], errors: dict[str, str]) -> list[dict]:
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


def finding_create_for_visit(
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
        finding = finding_create_for_visit(
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
