"""Topics, their activities and photos, the problems found and what they become."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zoufang.findings.services import finding_create
from zoufang.research.models import Activity, ActivityPhoto, Problem, Topic
from zoufang.visits.services.photos import photo_check

if TYPE_CHECKING:
    from zoufang.campaigns.models import Campaign
    from zoufang.findings.models import Finding
    from zoufang.org.models import Department, Unit, User

MAX_PHOTOS = 9
TOPIC_FIELDS = ("title", "goal", "leader_name", "members")
ACTIVITY_FIELDS = ("kind", "held_on", "place_kind", "place", "met", "heard", "minutes", "attendees")


@transaction.atomic
def topic_save(
    *,
    actor: User,
    campaign: Campaign,
    department: Department,
    data: dict[str, Any],
    topic: Topic | None = None,
) -> Topic:
    """Create a topic, or change one (`topic`)."""
    topic = topic or Topic(campaign=campaign, department=department, created_by=actor)
    for name in TOPIC_FIELDS:
        setattr(topic, name, (data.get(name) or "").strip())
    if not topic.title:
        raise ValidationError({"title": _("Give the topic a title.")})
    if not topic.leader_name:
        raise ValidationError({"leader_name": _("Name the bureau leader in charge.")})
    topic.save()
    return topic


@transaction.atomic
def activity_record(
    *, actor: User, topic: Topic, data: dict[str, Any], photos: list[Any] = ()
) -> Activity:
    """Record a research activity (a field visit or a forum) and its photos."""
    activity = Activity(topic=topic, recorded_by=actor)
    for name in ACTIVITY_FIELDS:
        value = data.get(name)
        if value is None and name != "held_on":
            value = ""
        setattr(activity, name, value.strip() if isinstance(value, str) else value)
    errors: dict[str, str] = {}
    if activity.kind == Activity.Kind.FORUM and not (activity.minutes and activity.attendees):
        errors["minutes"] = _("A forum is recorded with its minutes and its attendees.")
    if activity.held_on and activity.held_on > timezone.localdate():
        errors["held_on"] = _("An activity is recorded once it has taken place.")
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = _("At most %(n)s photos.") % {"n": MAX_PHOTOS}
    checked = []
    for upload in photos:
        try:
            checked.append(photo_check(upload))
        except ValidationError as exc:
            errors["photos"] = " ".join(exc.messages)
    if errors:
        raise ValidationError(errors)
    activity.full_clean(exclude=["topic", "recorded_by"])
    activity.save()
    for data_bytes, ext, _mime in checked:
        photo = ActivityPhoto(activity=activity)
        photo.image.save(f"activity-{activity.pk}{ext}", ContentFile(data_bytes), save=True)
    return activity


@transaction.atomic
def problem_record(
    *,
    actor: User,
    topic: Topic,
    description: str,
    root_cause: str,
    countermeasure: str,
    owner_department: Department | None,
    activity: Activity | None = None,
) -> Problem:
    errors = {}
    for name, value in (
        ("description", description),
        ("root_cause", root_cause),
        ("countermeasure", countermeasure),
    ):
        if not (value or "").strip():
            errors[name] = _("This field is required.")
    if owner_department is None:
        errors["owner_department"] = _("Choose the department that owns the problem.")
    if activity is not None and activity.topic_id != topic.pk:
        errors["activity"] = _("That activity belongs to another topic.")
    if errors:
        raise ValidationError(errors)
    return Problem.objects.create(
        topic=topic,
        activity=activity,
        description=description.strip(),
        root_cause=root_cause.strip(),
        countermeasure=countermeasure.strip(),
        owner_department=owner_department,
        created_by=actor,
    )


def _locked_open(problem: Problem) -> Problem:
    locked = Problem.objects.select_for_update().get(pk=problem.pk)
    if locked.disposition != Problem.Disposition.OPEN:
        raise ValidationError(
            _("This problem was already handed on (%(how)s).")
            % {"how": locked.get_disposition_display()}
        )
    return locked


@transaction.atomic
def problem_to_finding(
    *, actor: User, problem: Problem, kind_code: str, beat: Unit | None, grade: str | None = None
) -> Finding:
    """Log the problem as a finding through the findings service, which routes it (territory,
    class, grade, deadline) exactly as any other finding; the problem links to it."""
    locked = _locked_open(problem)
    text = _(
        "%(problem)s\nRoot cause: %(cause)s\nProposed: %(measure)s (research topic: %(topic)s)"
    ) % {
        "problem": locked.description,
        "cause": locked.root_cause,
        "measure": locked.countermeasure,
        "topic": locked.topic.title,
    }
    result = finding_create(
        actor=actor,
        kind_code=kind_code,
        description=text[:4000],
        beat=beat,
        grade=grade or None,
        campaign=locked.topic.campaign,
    )
    locked.disposition = Problem.Disposition.FINDING
    locked.finding = result.finding
    locked.save(update_fields=["disposition", "finding"])
    return result.finding


@transaction.atomic
def problem_to_task(*, actor: User, problem: Problem, due: dt.date | None) -> Problem:
    """Hand the problem to its owner department as a task with a due date."""
    if due is None:
        raise ValidationError({"due": _("Give the task a due date.")})
    if due < timezone.localdate():
        raise ValidationError({"due": _("The due date is in the past.")})
    locked = _locked_open(problem)
    locked.disposition = Problem.Disposition.TASK
    locked.task_due = due
    locked.save(update_fields=["disposition", "task_due"])
    return locked


@transaction.atomic
def task_done(*, actor: User, problem: Problem) -> Problem:
    locked = Problem.objects.select_for_update().get(pk=problem.pk)
    if locked.disposition != Problem.Disposition.TASK:
        raise ValidationError(_("Only a task can be marked done."))
    if locked.task_done_on is None:
        locked.task_done_on = timezone.localdate()
        locked.save(update_fields=["task_done_on"])
    return locked
