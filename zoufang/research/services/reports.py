"""The final report of a topic and its review by the office. A report is approved or sent
back by someone other than its author; each step is a row (`ReportStep`)."""

from __future__ import annotations

from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zoufang.research.models import Report, ReportAttachment, ReportStep, Topic

if TYPE_CHECKING:
    from zoufang.org.models import User

SECTION_FIELDS = tuple(name for name, _label in Report.SECTIONS)
ATTACHMENT_TYPES = {
    ".pdf",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".ppt",
    ".pptx",
    ".jpg",
    ".jpeg",
    ".png",
    ".txt",
}
ATTACHMENT_MAX_MB = 20


class ReportChanged(Exception):
    """The report was changed by someone else since the editor opened it."""


def report_for(topic: Topic) -> Report:
    return Report.objects.get_or_create(topic=topic)[0]


@transaction.atomic
def report_save(*, actor: User, topic: Topic, data: dict[str, Any], version: int) -> Report:
    """Save the sections. Refused when the report is under review or approved, or when it was
    saved by someone else after `version` (the editor keeps their text and reloads)."""
    report = Report.objects.select_for_update().get(pk=report_for(topic).pk)
    if not report.editable:
        raise ValidationError(
            _("A report that is %(state)s cannot be edited.")
            % {"state": report.get_state_display()}
        )
    if version != report.version:
        raise ReportChanged(
            _(
                "Someone saved this report after you opened it. Your text is kept below; "
                "compare it with the current version and save again."
            )
        )
    for name in SECTION_FIELDS:
        setattr(report, name, (data.get(name) or "").strip())
    report.author = report.author or actor
    report.version += 1
    report.save()
    return report


@transaction.atomic
def report_submit(*, actor: User, report: Report) -> Report:
    report = Report.objects.select_for_update().get(pk=report.pk)
    if not report.editable:
        raise ValidationError(
            _("This report is already %(state)s.") % {"state": report.get_state_display()}
        )
    missing = [str(label) for name, label in Report.SECTIONS if not getattr(report, name).strip()]
    if missing:
        raise ValidationError(
            _("Fill in every section before submitting: %(s)s.") % {"s": "、".join(missing)}
        )
    report.state = Report.State.SUBMITTED
    report.author = report.author or actor
    report.save(update_fields=["state", "author", "updated_at"])
    ReportStep.objects.create(report=report, action=ReportStep.Action.SUBMIT, actor=actor)
    return report


@transaction.atomic
def report_review(*, actor: User, report: Report, approve: bool, comment: str = "") -> Report:
    """Approve the report or send it back with comments; never by its author."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.author_id == actor.pk or report.steps.filter(action="submit", actor=actor).exists():
        raise PermissionDenied(_("A report cannot be reviewed by its own author."))
    if report.state != Report.State.SUBMITTED:
        raise ValidationError(_("Only a report under review can be approved or sent back."))
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError({"comment": _("Say what should change when sending a report back.")})
    report.state = Report.State.APPROVED if approve else Report.State.RETURNED
    report.save(update_fields=["state", "updated_at"])
    ReportStep.objects.create(
        report=report,
        action=ReportStep.Action.APPROVE if approve else ReportStep.Action.RETURN,
        actor=actor,
        comment=comment,
    )
    return report


@transaction.atomic
def attachment_add(*, actor: User, report: Report, upload: Any) -> ReportAttachment:
    if not report.editable:
        raise ValidationError(_("Attachments are added while the report is a draft or sent back."))
    name = PurePath(upload.name or "").name[:200]
    if PurePath(name).suffix.lower() not in ATTACHMENT_TYPES:
        raise ValidationError(
            {
                "file": _("%(name)s: attach a PDF, Word, Excel, PowerPoint, text or image file.")
                % {"name": name}
            }
        )
    if upload.size > ATTACHMENT_MAX_MB * 1024 * 1024:
        raise ValidationError(
            {
                "file": _("%(name)s is larger than %(max)s MB.")
                % {"name": name, "max": ATTACHMENT_MAX_MB}
            }
        )
    attachment = ReportAttachment(report=report, name=name, uploaded_by=actor)
    attachment.file.save(f"report-{report.pk}{PurePath(name).suffix.lower()}", upload, save=True)
    return attachment
