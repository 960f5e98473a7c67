"""Big research (大调研): each department's topics (课题), the activities and forums held for
them, the problems found and what became of them, the final report and its review; and the
questionnaires the office sends to officers (问计民警) and to the leadership (问计班子).

Research is organised by department, not by unit: a researcher sees their department's work,
the office and the leadership see everything (`research/access.py`). Questionnaire answers
of an anonymous questionnaire cannot be linked to a person (docs/decisions/0026).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Self

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zoufang.core.models import PathField, TimeStampedModel

if TYPE_CHECKING:
    from zoufang.org.models import User


class TopicQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> Self:
        """Readers of all research see every topic, a researcher their department's."""
        from zoufang.research.access import department_filter

        return self.filter(department_filter(user, "department"))


class Topic(TimeStampedModel):
    """A research topic (调研课题) one department takes into the field."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="research_topics",
    )
    title = models.CharField(_("title"), max_length=200)
    goal = models.TextField(_("what the topic sets out to learn"), blank=True)
    leader_name = models.CharField(_("bureau leader in charge"), max_length=50)
    members = models.CharField(
        _("members"), max_length=500, blank=True, help_text=_("Names, separated by 、")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = TopicQuerySet.as_manager()

    class Meta:
        verbose_name = _("research topic")
        verbose_name_plural = _("research topics")
        ordering = ["department__sort_order", "title"]
        indexes = [models.Index(fields=["campaign", "department"], name="res_topic_dept")]

    def __str__(self) -> str:
        return self.title

    @property
    def member_list(self) -> list[str]:
        return [m.strip() for m in self.members.replace(",", "、").split("、") if m.strip()]


class Activity(models.Model):
    """A research activity: a visit to an enterprise, community or grassroots unit, or a
    forum (座谈交流会) with its minutes and attendees."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("Field visit")
        FORUM = "forum", _("Forum")

    class PlaceKind(models.TextChoices):
        ENTERPRISE = "enterprise", _("Enterprise")
        COMMUNITY = "community", _("Community")
        GRASSROOTS = "grassroots", _("Grassroots police unit")
        PUBLIC = "public", _("The public")
        OTHER = "other", _("Other")

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    held_on = models.DateField(_("date"))
    place_kind = models.CharField(_("where"), max_length=12, choices=PlaceKind.choices)
    place = models.CharField(_("place"), max_length=200)
    met = models.TextField(_("whom they met"), blank=True)
    heard = models.TextField(_("what they heard"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    attendees = models.TextField(_("attendees"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("research activity")
        verbose_name_plural = _("research activities")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.held_on} {self.place}"


class ActivityPhoto(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("photo"), upload_to="research/photos/%Y/%m/")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("activity photo")
        verbose_name_plural = _("activity photos")

    def __str__(self) -> str:
        return self.image.name


class Problem(models.Model):
    """A shortcoming found (查短板): its root cause, the countermeasure proposed and the
    department that owns it; it may become a finding (through the findings service) or a
    task for the owning department."""

    class Disposition(models.TextChoices):
        OPEN = "open", _("Not yet handed on")
        FINDING = "finding", _("Became a finding")
        TASK = "task", _("Became a task")

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="problems")
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("found at"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
    )
    description = models.TextField(_("problem"))
    root_cause = models.TextField(_("root cause"))
    countermeasure = models.TextField(_("countermeasure"))
    owner_department = models.ForeignKey(
        "org.Department",
        verbose_name=_("owner department"),
        on_delete=models.PROTECT,
        related_name="research_problems",
    )
    disposition = models.CharField(
        _("handed on as"), max_length=8, choices=Disposition.choices, default=Disposition.OPEN
    )
    finding = models.ForeignKey(
        "findings.Finding",
        verbose_name=_("finding"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    task_due = models.DateField(_("task due"), null=True, blank=True)
    task_done_on = models.DateField(_("task done on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("research problem")
        verbose_name_plural = _("research problems")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.description[:40]


class Report(models.Model):
    """A topic's final report: structured sections after the forums' motto (扬成绩、补短板、
    理思路), attachments, and the office's review."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Under review")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Sent back")

    # The sections, in order: (field, label). Forms, the page and the export read this.
    SECTIONS = (
        ("summary", _("Summary")),
        ("achievements", _("Achievements (扬成绩)")),
        ("shortcomings", _("Shortcomings found (补短板)")),
        ("causes", _("Root causes")),
        ("countermeasures", _("Countermeasures (理思路)")),
    )

    topic = models.OneToOneField(Topic, on_delete=models.CASCADE, related_name="report")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default="draft")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    summary = models.TextField(_("Summary"), blank=True)
    achievements = models.TextField(_("Achievements (扬成绩)"), blank=True)
    shortcomings = models.TextField(_("Shortcomings found (补短板)"), blank=True)
    causes = models.TextField(_("Root causes"), blank=True)
    countermeasures = models.TextField(_("Countermeasures (理思路)"), blank=True)
    # Optimistic locking: an edit sent with an older version is refused, nothing lost.
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("research report")
        verbose_name_plural = _("research reports")

    def __str__(self) -> str:
        return str(self.topic)

    @property
    def editable(self) -> bool:
        return self.state in (self.State.DRAFT, self.State.RETURNED)


class ReportAttachment(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="research/reports/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("report attachment")
        verbose_name_plural = _("report attachments")

    def __str__(self) -> str:
        return self.name


class ReportStep(models.Model):
    """One step of a report's review (submit, approve, send back): who, when, why."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("Submitted")
        APPROVE = "approve", _("Approved")
        RETURN = "return", _("Sent back")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.action}"


# ----------------------------------------------------------------------------- questionnaires


class Questionnaire(models.Model):
    """问计民警 (to officers in a unit's subtree) or 问计班子 (to the leadership group)."""

    class Audience(models.TextChoices):
        OFFICERS = "officers", _("Officers (问计民警)")
        LEADERSHIP = "leadership", _("Leadership group (问计班子)")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True)
    audience = models.CharField(_("audience"), max_length=12, choices=Audience.choices)
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("officers of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("For officers: the unit whose subtree is asked; empty asks the whole city."),
    )
    anonymous = models.BooleanField(_("anonymous"), default=True)
    closes_on = models.DateField(_("closing date"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default="draft")
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.state == self.State.PUBLISHED and timezone.localdate() <= self.closes_on


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTI = "multi", _("Multiple choice")
        SCALE = "scale", _("Scale")
        TEXT = "text", _("Free text")

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    text = models.CharField(_("question"), max_length=300)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    scale_max = models.PositiveSmallIntegerField(_("scale points"), default=5)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class Invitation(models.Model):
    """Who was asked, and whether they have answered — never what, nor when (an invitation
    has no time column, so it cannot be matched to a response by time)."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="invitations"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The invitee's anchor unit when it was published (response rates per unit).
    unit_path = PathField(blank=True, default="")
    answered = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "user"], name="res_invite_once")
        ]
        indexes = [models.Index(fields=["questionnaire", "unit_path"], name="res_invite_scope")]

    def __str__(self) -> str:
        return f"{self.questionnaire_id}: {self.user_id}"


class Response(models.Model):
    """One completed questionnaire. No user column, a random id, the day only: an anonymous
    response cannot be linked to its author (a named one has its `NamedResponse`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="responses"
    )
    answered_on = models.DateField(_("answered on"))

    class Meta:
        verbose_name = _("questionnaire response")
        verbose_name_plural = _("questionnaire responses")

    def __str__(self) -> str:
        return str(self.id)


class NamedResponse(models.Model):
    """The author of a response to a named questionnaire (never written for an anonymous one)."""

    response = models.OneToOneField(
        Response, primary_key=True, on_delete=models.CASCADE, related_name="named"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"{self.response_id}: {self.user_id}"


class Answer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    choices = models.JSONField(default=list, blank=True)  # the chosen labels
    number = models.PositiveSmallIntegerField(null=True, blank=True)  # a scale point
    text = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.question_id}"
