"""What the visit services share: limits, the conflict error, payload hashes, task events."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from zoufang.visits.models import TaskEvent

if TYPE_CHECKING:
    from zoufang.org.models import User
    from zoufang.visits.models import VisitTask

CLOCK_SKEW = dt.timedelta(minutes=5)
MAX_PHOTOS = 5
MAX_FINDINGS = 20
MAX_LEAFLETS = 1000
GRADES = ("general", "serious", "major")


class VisitConflict(Exception):
    """The client UUID was already used for a different submission (HTTP 409)."""

    def __init__(self, what: str = "") -> None:
        super().__init__(what or _("This client UUID was already used for a different submission."))


def content_hash(payload: Any) -> str:
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def task_event(
    task: VisitTask, action: str, actor: User | None, old: Any = "", new: Any = "", reason=""
) -> TaskEvent:
    return TaskEvent(
        task=task,
        action=action,
        old=str(old or "")[:200],
        new=str(new or "")[:200],
        actor=actor,
        reason=str(reason or "")[:200],
    )
