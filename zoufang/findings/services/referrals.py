"""Referring a finding to a co-handling body outside the police (a township government, a
村(居)委会, a department) and recording its feedback. The finding's state does not move: it
stays open, and on the ledger, until the police close it; each referral and each feedback is a
row on its timeline (`FindingTransition` actions "refer" and "referral_feedback")."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zoufang.findings.access import may_refer
from zoufang.findings.models import Finding, FindingTransition, Referral
from zoufang.registry.normalize import Bad, parse_phone

if TYPE_CHECKING:
    from zoufang.org.models import User


def _phone(value: str) -> str:
    try:
        return parse_phone(value)
    except Bad as exc:
        raise ValidationError({"contact_phone": str(exc)}) from exc


@transaction.atomic
def finding_refer(
    *,
    finding: Finding,
    actor: User,
    body_kind: str,
    body_name: str,
    contact_name: str,
    contact_phone: str,
    deadline: dt.datetime,
    note: str = "",
) -> Referral:
    """Refer an open finding to a co-handling body, with a contact and a deadline for their
    feedback. PermissionDenied for who may not (`access.may_refer`); ValidationError naming
    the fields that are wrong."""
    f = Finding.objects.select_for_update().get(pk=finding.pk)
    if not may_refer(actor, f):
        raise PermissionDenied(_("You may not refer this finding."))
    errors = {}
    if not f.is_open:
        errors["finding"] = _("A closed or resolved finding is not referred any more.")
    if body_kind not in Referral.BodyKind.values:
        errors["body_kind"] = _("Choose the kind of body.")
    for name, value in (("body_name", body_name), ("contact_name", contact_name)):
        if not value.strip():
            errors[name] = _("This field is required.")
    if not contact_phone.strip():
        errors["contact_phone"] = _("This field is required.")
    if deadline is None or deadline <= timezone.now():
        errors["deadline"] = _("The feedback deadline must be in the future.")
    if errors:
        raise ValidationError(errors)
    referral = Referral.objects.create(
        finding=f,
        body_kind=body_kind,
        body_name=body_name.strip()[:100],
        contact_name=contact_name.strip()[:50],
        contact_phone=_phone(contact_phone.strip()),
        deadline=deadline,
        note=note.strip(),
        created_by=actor,
    )
    _timeline(f, actor, "refer", note, {"body": referral.body_name, "referral": referral.pk})
    return referral


@transaction.atomic
def referral_feedback(*, referral: Referral, actor: User, feedback: str) -> Referral:
    """Record what the co-handling body answered (once; a later answer is added to it)."""
    r = Referral.objects.select_for_update().select_related("finding").get(pk=referral.pk)
    if not may_refer(actor, r.finding):
        raise PermissionDenied(_("You may not record feedback on this finding."))
    text = feedback.strip()
    if not text:
        raise ValidationError({"feedback": _("Write down the feedback received.")})
    r.feedback = f"{r.feedback}\n{text}".strip() if r.feedback else text
    r.feedback_at = r.feedback_at or timezone.now()
    r.save(update_fields=["feedback", "feedback_at"])
    _timeline(r.finding, actor, "referral_feedback", text, {"body": r.body_name})
    return r


def _timeline(f: Finding, actor: User, action: str, comment: str, data: dict) -> None:
    FindingTransition.objects.create(
        finding=f,
        action=action,
        from_state=f.state,
        to_state=f.state,
        actor=actor,
        comment=comment,
        data=data,
    )
