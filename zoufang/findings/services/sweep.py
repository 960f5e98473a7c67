"""The overdue sweep (Celery task `findings.sweep_overdue`): marks open findings past their
deadline overdue and escalates those past the second deadline."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zoufang.findings import rollups
from zoufang.findings.models import Finding, FindingTransition, State
from zoufang.findings.services.notices import finding_url, kind_label
from zoufang.findings.services.workflow import FindingChanged, finding_transition
from zoufang.notifications.services import notify_many, unit_recipients
from zoufang.org.models import Unit

logger = logging.getLogger(__name__)


@dataclass
class SweepResult:
    overdue: int = 0
    escalated: int = 0
    notified: int = 0


def _overdue_rollups(due: list[Finding]) -> None:
    """The rollups follow the overdue flag the sweep just set (same transaction)."""
    before = [rollups.signature(f) for f in due]
    for f in due:
        f.is_overdue = True
    rollups.signature_move(before, [rollups.signature(f) for f in due])


def findings_sweep(*, now: dt.datetime | None = None, batch: int = 500) -> SweepResult:
    """Mark open findings past their deadline overdue and notify the owner unit and its
    parent; escalate those past the second deadline to the parent unit. Reads only the rows
    that are due (`due_at`, `escalate_at`: NULL unless due), so its cost follows the work, not
    the size of the city."""
    now = now or timezone.now()
    result = SweepResult()
    recipients: dict[int | None, list[int]] = {}

    def managers(unit_id: int | None) -> list[int]:
        if unit_id not in recipients:
            recipients[unit_id] = unit_recipients([Unit(pk=unit_id)]) if unit_id is not None else []
        return recipients[unit_id]

    while True:
        with transaction.atomic():
            due = list(
                Finding.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(due_at__lt=now)
                .select_related("owner_unit")
                .order_by("deadline")[:batch]
            )
            if not due:
                break
            Finding.objects.filter(pk__in=[f.pk for f in due]).update(
                is_overdue=True, was_overdue=True, due_at=None
            )
            _overdue_rollups(due)
            FindingTransition.objects.bulk_create(
                [
                    FindingTransition.step(
                        f, "overdue", None, at=now, data={"deadline": f.deadline.isoformat()}
                    )
                    for f in due
                ]
            )
            rows = []
            for f in due:
                title = _("Overdue: %(number)s (%(kind)s)") % {
                    "number": f.number,
                    "kind": kind_label(f),
                }
                users = set(managers(f.owner_unit_id)) | set(managers(f.owner_unit.parent_id))
                if f.assignee_id:
                    users.add(f.assignee_id)
                rows += [(uid, "finding.overdue", title, "", finding_url(f)) for uid in users]
            result.notified += notify_many(rows)
            result.overdue += len(due)
        if len(due) < batch:
            break
    escalate_ids = list(
        Finding.objects.filter(escalate_at__lt=now)
        .exclude(state=State.TRANSFER_PENDING)
        .order_by("escalate_at")
        .values_list("pk", "version")[:batch]
    )
    for pk, version in escalate_ids:
        f = Finding(pk=pk)
        try:
            finding_transition(
                finding=f,
                actor=None,
                action="escalate",
                version=version,
                comment=_("Overdue past the second deadline: escalated automatically."),
                now=now,
            )
        except (FindingChanged, ValidationError):
            logger.debug("sweep: finding %s changed or cannot escalate", pk, extra={"pk": pk})
            Finding.objects.filter(pk=pk, escalate_at__lt=now).update(escalate_at=None)
            continue
        result.escalated += 1
    return result
