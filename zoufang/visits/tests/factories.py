"""Visit records for tests, made through the services (so history and side effects are real)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.utils import timezone

from zoufang.visits.services import VisitInput, visit_photo_add, visit_submit

# The smallest bytes the photo check takes for a PNG.
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def visit_input(task, *, outcome: str = "visited", members=None, **kw: Any) -> VisitInput:
    """A valid submission for `task` by its whole team, ended ten minutes ago."""
    end = kw.pop("ended_at", timezone.now() - dt.timedelta(minutes=10))
    start = kw.pop("started_at", end - dt.timedelta(minutes=20))
    if members is None:
        members = list(task.team.members.values_list("personnel_id", flat=True))
    answers = kw.pop("answers", None)
    if answers is None and outcome == "visited" and task.kind == "household":
        answers = {"householder_name": "王建国", "satisfaction": "满意"}
    return VisitInput(
        outcome=outcome,
        started_at=start,
        ended_at=end,
        members=members,
        answers=answers or {},
        **kw,
    )


def record(task, actor, *, outcome: str = "visited", client_uuid=None, **kw: Any):
    return visit_submit(
        actor=actor,
        task_id=task.pk,
        data=visit_input(task, outcome=outcome, **kw),
        client_uuid=client_uuid or uuid.uuid4(),
    ).visit


def png(name: str = "p.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, PNG, content_type="image/png")


def photo_ahead(actor, visit_uuid):
    """A photo `actor` sends before the visit with client UUID `visit_uuid` arrives."""
    photo, _created = visit_photo_add(actor=actor, visit_uuid=visit_uuid, upload=png())
    return photo
