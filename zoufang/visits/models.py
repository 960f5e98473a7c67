"""Big visit (大走访): a task for every registry place, the visits recorded against it, who
went, what was explained and handed out, photos, and the correction requests a visit raises.

Every row carries the `unit_path` of its beat (copied) so coverage is one indexed range scan
per unit; task states are the coverage categories, so "底数清" is a GROUP BY, not an estimate.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zoufang.core.models import PathField, ScopedQuerySet, TimeStampedModel


class VisitKind(models.TextChoices):
    HOUSEHOLD = "household", _("Household visit")
    SHOP = "shop", _("Shop visit")
    ENTERPRISE = "enterprise", _("Enterprise visit")
    COMMUNITY = "community", _("Village / community visit")


class Method(models.TextChoices):
    NORMAL = "normal", _("Normal hours")
    STAGGERED = "staggered", _("Staggered hours (evenings, weekends)")
    EXTENDED = "extended", _("Extended hours")


class TaskState(models.TextChoices):
    PENDING = "pending", _("Not yet attempted")
    RETRY = "retry", _("Attempted, not reached")
    VISITED = "visited", _("Visited")
    REFUSED = "refused", _("Refused")
    INVALID = "invalid", _("Address problem")


# States in which the task is still on a team's list.
OPEN_STATES = (TaskState.PENDING, TaskState.RETRY)


class Outcome(models.TextChoices):
    VISITED = "visited", _("Visited")
    NOBODY_HOME = "nobody_home", _("Nobody home")
    REFUSED = "refused", _("Refused")
    NOT_FOUND = "not_found", _("Address not found")
    DEMOLISHED = "demolished", _("Demolished")
    VACANT = "vacant", _("Vacant")


ADDRESS_PROBLEMS = frozenset({Outcome.NOT_FOUND, Outcome.DEMOLISHED, Outcome.VACANT})

OUTCOME_TO_STATE = {
    Outcome.VISITED: TaskState.VISITED,
    Outcome.NOBODY_HOME: TaskState.RETRY,
    Outcome.REFUSED: TaskState.REFUSED,
    Outcome.NOT_FOUND: TaskState.INVALID,
    Outcome.DEMOLISHED: TaskState.INVALID,
    Outcome.VACANT: TaskState.INVALID,
}


class VisitTaskQuerySet(ScopedQuerySet):
    def open(self) -> VisitTaskQuerySet:
        return self.filter(state__in=OPEN_STATES)


class VisitTask(TimeStampedModel):
    """走访任务: one place (or the beat itself, for the village/community visit) to visit in a
    campaign, on one team's list, in a walkable batch."""

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="visit_tasks",
    )
    # Foreign keys whose column leads a composite index below get no index of their own:
    # each index is one more entry to write on the hot paths (submitting a visit).
    beat = models.ForeignKey(
        "org.Unit",
        verbose_name=_("beat"),
        on_delete=models.PROTECT,
        related_name="visit_tasks",
        db_index=False,  # vis_task_beat
    )
    unit_path = PathField(_("beat path"), editable=False)
    kind = models.CharField(_("visit kind"), max_length=12, choices=VisitKind.choices)
    place = models.ForeignKey(
        "registry.Place",
        verbose_name=_("place"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visit_tasks",
    )
    team = models.ForeignKey(
        "org.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visit_tasks",
        db_index=False,  # vis_task_team
    )
    # The walk group (same building or street) and the address as it sorts on a list.
    batch = models.CharField(_("batch"), max_length=120, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    sort_key = models.CharField(max_length=255, blank=True, editable=False)
    state = models.CharField(
        _("state"), max_length=10, choices=TaskState.choices, default=TaskState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    retry_off_hours = models.BooleanField(_("retry off hours"), default=False)
    method = models.CharField(
        _("method"), max_length=10, choices=Method.choices, default=Method.NORMAL
    )
    appointment_date = models.DateField(_("appointment date"), null=True, blank=True)
    appointment_start = models.TimeField(_("from"), null=True, blank=True)
    appointment_end = models.TimeField(_("to"), null=True, blank=True)
    appointment_note = models.CharField(_("appointment note"), max_length=200, blank=True)
    last_visit_at = models.DateTimeField(_("last visit"), null=True, blank=True)

    objects = VisitTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit task")
        verbose_name_plural = _("visit tasks")
        ordering = ["unit_path", "sort_key", "pk"]
        indexes = [
            # Coverage: a range on unit_path, grouped by kind and state (index-only on PG).
            models.Index(
                fields=["unit_path", "campaign", "kind", "state"], name="vis_task_coverage"
            ),
            models.Index(fields=["beat", "campaign", "state", "sort_key"], name="vis_task_beat"),
            models.Index(fields=["team", "state", "appointment_date"], name="vis_task_team"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "place"],
                condition=Q(place__isnull=False),
                name="vis_task_one_per_place",
            ),
            models.UniqueConstraint(
                fields=["campaign", "beat"],
                condition=Q(kind="community"),
                name="vis_task_one_community_per_beat",
            ),
            models.CheckConstraint(
                condition=Q(appointment_end__isnull=True)
                | Q(appointment_start__isnull=True)
                | Q(appointment_end__gt=models.F("appointment_start")),
                name="vis_task_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.address}"

    @classmethod
    def for_beat(cls, campaign: Any, beat: Any, **fields: Any) -> VisitTask:
        """A new (unsaved) task of a campaign in a beat, inside the beat's scope."""
        return cls(campaign=campaign, beat=beat, unit_path=beat.path, **fields)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class TaskEvent(models.Model):
    """One change of a task: generated, assigned, scheduled, visited… (old → new, who, why)."""

    task = models.ForeignKey(
        VisitTask, on_delete=models.CASCADE, related_name="events", db_index=False
    )  # vis_event_task
    action = models.CharField(_("action"), max_length=20)
    old = models.CharField(_("old value"), max_length=200, blank=True)
    new = models.CharField(_("new value"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("task event")
        verbose_name_plural = _("task events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["task", "at"], name="vis_event_task")]

    def __str__(self) -> str:
        return f"{self.task_id} {self.action}: {self.old} → {self.new}"

    @property
    def action_label(self) -> str:
        """The action as a person reads it ("visit" → 走访登记)."""
        return str(EVENT_ACTIONS.get(self.action, self.action))

    @property
    def old_label(self) -> str:
        return _value_label(self.old)

    @property
    def new_label(self) -> str:
        return _value_label(self.new)


# The task event actions (`TaskEvent.action`) and their labels.
EVENT_ACTIONS = {
    "generate": _("Task generated"),
    "assign": _("Team assigned"),
    "schedule": _("Appointment"),
    "method": _("Visit hours"),
    "visit": _("Visit recorded"),
    "reopen": _("Reopened"),
}


def _value_label(value: str) -> str:
    """A state or method code as its label; anything else (a team's name, a time) as is."""
    for choices in (TaskState, Method):
        if value in choices.values:
            return str(choices(value).label)
    return value


class RegistryState(models.TextChoices):
    """Where a visit's answers for the registry stand: they are applied after the visit has
    committed (a Celery task, with a periodic sweep for any message the broker lost)."""

    NONE = "", _("Nothing for the registry")
    PENDING = "pending", _("Registry update pending")
    APPLIED = "applied", _("Registry updated")
    FAILED = "failed", _("Registry refused the update")


class Visit(models.Model):
    """One call at a task's address by a team: who went, when, the outcome and the form."""

    # No single-column index where a composite index below starts with the column.
    task = models.ForeignKey(
        VisitTask,
        verbose_name=_("task"),
        on_delete=models.PROTECT,
        related_name="visits",
        db_index=False,  # vis_visit_task
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="visits"
    )
    beat = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="visits")
    unit_path = PathField(_("beat path"), editable=False)
    kind = models.CharField(_("visit kind"), max_length=12, choices=VisitKind.choices)
    place = models.ForeignKey(
        "registry.Place", null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    team = models.ForeignKey(
        "org.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
        db_index=False,  # vis_visit_team
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"))
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    gps_accuracy = models.PositiveIntegerField(_("GPS accuracy (m)"), null=True, blank=True)
    form = models.ForeignKey(
        "campaigns.VisitForm", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    form_version = models.PositiveIntegerField(default=1)
    # Answers keyed by question code; ID numbers and phones are kept masked here (the registry
    # holds them encrypted).
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    topic_count = models.PositiveSmallIntegerField(_("topics explained"), default=0)
    leaflet_count = models.PositiveIntegerField(_("leaflets handed out"), default=0)
    finding_count = models.PositiveSmallIntegerField(_("findings raised"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    # Idempotent submission: the phone's UUID and a hash of what it sent.
    client_uuid = models.UUIDField(unique=True, editable=False)
    payload_hash = models.CharField(max_length=64, editable=False)
    # What the form learnt for the registry (householder, tenancy, shop, enterprise…), applied
    # after the commit by `visits.apply_registry`. Sealed with the registry's key (it holds ID
    # numbers and phones in clear) and emptied once applied.
    registry_state = models.CharField(
        _("registry update"),
        max_length=8,
        choices=RegistryState.choices,
        default=RegistryState.NONE,
        blank=True,
        editable=False,
    )
    registry_answers = models.TextField(blank=True, editable=False)
    registry_applied_at = models.DateTimeField(
        _("registry updated at"), null=True, blank=True, editable=False
    )
    registry_error = models.TextField(_("registry refusal"), blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(
                fields=["unit_path", "campaign", "outcome", "kind"], name="vis_visit_coverage"
            ),
            models.Index(fields=["task", "started_at"], name="vis_visit_task"),
            models.Index(fields=["team", "outcome"], name="vis_visit_team"),
            # The sweep's work list stays small: only visits whose registry update is due.
            models.Index(
                fields=["created_at"],
                condition=Q(registry_state="pending"),
                name="vis_visit_registry_pending",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__gte=models.F("started_at")), name="vis_visit_time_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d} {self.get_outcome_display()}"

    @property
    def minutes(self) -> int:
        return max(0, int((self.ended_at - self.started_at).total_seconds() // 60))


class VisitMember(models.Model):
    """A team member present on a visit: each one is credited with it."""

    visit = models.ForeignKey(
        Visit, on_delete=models.CASCADE, related_name="members", db_index=False
    )  # vis_member_once
    personnel = models.ForeignKey(
        "org.Personnel", on_delete=models.PROTECT, related_name="visit_credits"
    )
    unit_path = PathField(editable=False)
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=12, choices=Outcome.choices)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit member")
        verbose_name_plural = _("visit members")
        indexes = [
            models.Index(
                fields=["unit_path", "campaign", "personnel", "outcome"], name="vis_member_cov"
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["visit", "personnel"], name="vis_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.visit_id}: {self.personnel_id}"


class VisitTopic(models.Model):
    """A propaganda topic (宣传内容) explained on a visit."""

    visit = models.ForeignKey(
        Visit, on_delete=models.CASCADE, related_name="topics", db_index=False
    )  # vis_topic_once
    item = models.ForeignKey("campaigns.CatalogItem", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["visit", "item"], name="vis_topic_once")]

    def __str__(self) -> str:
        return f"{self.visit_id}: {self.item_id}"


class VisitLeaflet(models.Model):
    """A leaflet (宣传彩页) handed out on a visit, and how many."""

    visit = models.ForeignKey(
        Visit, on_delete=models.CASCADE, related_name="leaflets", db_index=False
    )  # vis_leaflet_once
    item = models.ForeignKey("campaigns.CatalogItem", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["visit", "item"], name="vis_leaflet_once")]

    def __str__(self) -> str:
        return f"{self.visit_id}: {self.item_id} × {self.quantity}"


def photo_path(instance: VisitPhoto, filename: str) -> str:
    return f"visits/{instance.visit_uuid}/{instance.client_uuid}{instance.extension}"


class VisitPhoto(models.Model):
    """A photo taken on a visit. A phone may upload it before the visit itself arrives: it
    waits under the visit's client UUID and is attached when the visit is submitted."""

    visit_uuid = models.UUIDField(db_index=True)
    visit = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    image = models.FileField(_("photo"), upload_to=photo_path, max_length=200)
    extension = models.CharField(max_length=6, editable=False)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    client_uuid = models.UUIDField(unique=True, editable=False)
    payload_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.image.name


class CorrectionRequest(TimeStampedModel):
    """An address the visit could not use (not found, demolished, vacant): a request to the
    registry's keepers to correct it. Resolving it changes the registry through its services."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        APPLIED = "applied", _("Applied to the registry")
        REJECTED = "rejected", _("Rejected")

    visit = models.OneToOneField(Visit, on_delete=models.CASCADE, related_name="correction")
    task = models.ForeignKey(VisitTask, on_delete=models.CASCADE, related_name="corrections")
    place = models.ForeignKey(
        "registry.Place", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    beat = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(_("beat path"), editable=False)
    reason = models.CharField(_("reason"), max_length=12, choices=Outcome.choices)
    note = models.TextField(_("note"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("registry correction request")
        verbose_name_plural = _("registry correction requests")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["unit_path", "state"], name="vis_correction_scope")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.place}"

    @classmethod
    def of_visit(cls, visit: Visit) -> CorrectionRequest:
        """The request a visit that found an address problem opens (unsaved): its task,
        place and beat, the outcome as the reason and the visit's note."""
        return cls(
            visit=visit,
            task_id=visit.task_id,
            place_id=visit.place_id,
            beat_id=visit.beat_id,
            unit_path=visit.unit_path,
            reason=visit.outcome,
            note=visit.note,
        )


# The rows of what a visit inspected and heard live in their own module (size): see there.
from zoufang.visits.inspection import (  # noqa: E402, F401
    VisitFocus,
    VisitOpinion,
    VisitPerson,
    WantedAlert,
)

# The rollups (counts per beat kept as tasks and visits change) live with their maintenance
# in visits/rollups.py; imported here so that Django registers them with the app.
from zoufang.visits.rollups import (  # noqa: E402, F401
    ComplianceRollup,
    TaskRollup,
    VisitDayRollup,
    VisitItemRollup,
)
