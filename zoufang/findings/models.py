"""Findings (问题线索): the kinds catalog, the routing tables, each finding and its history.

A finding belongs to two chains: the territory where it lies (`unit_path`, the beat's path)
and the unit that owns it now (`owner_path`). Both chains see it; a pending transfer adds the
receiving unit (`transfer_path`), for what that unit may read, until it accepts or refuses
(the rules: `findings/access.py`). See docs/findings.md and docs/decisions/findings-workflow.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zoufang.core.models import PathField, ScopedQuerySet, TimeStampedModel
from zoufang.core.roles import LEADERSHIP_ROLES
from zoufang.core.scope import user_scope

if TYPE_CHECKING:
    from zoufang.org.models import User


class Grade(models.TextChoices):
    GENERAL = "general", _("General")
    SERIOUS = "serious", _("Serious")
    MAJOR = "major", _("Major")


class State(models.TextChoices):
    RAISED = "raised", _("Raised")
    TRIAGED = "triaged", _("Triaged")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    FOLLOWED_UP = "followed_up", _("Followed up")
    CLOSED = "closed", _("Closed")
    RETURNED = "returned", _("Returned")
    TRANSFER_PENDING = "transfer_pending", _("Transfer pending")
    ESCALATED = "escalated", _("Escalated")


# States in which someone still has work to do (the deadline runs).
OPEN_STATES = frozenset(
    {
        State.RAISED,
        State.TRIAGED,
        State.ASSIGNED,
        State.IN_PROGRESS,
        State.RETURNED,
        State.TRANSFER_PENDING,
        State.ESCALATED,
    }
)


class Source(models.TextChoices):
    OFFICER = "officer", _("Officer")
    VISIT = "visit", _("Visit")
    PUBLIC = "public", _("Public page")


class FindingKind(models.Model):
    """One kind of finding (社情民意, 矛盾纠纷·邻里…). A kind with a parent is a sub-kind.

    The kind → department routing table lives here: `department` owns the kind and
    `co_handlers` names the bodies outside the police that handle it together."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent kind"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("owner department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="finding_kinds",
    )
    co_handlers = models.CharField(
        _("co-handling bodies"),
        max_length=200,
        blank=True,
        help_text=_("Bodies outside the police that handle it together, separated by 、"),
    )
    default_grade = models.CharField(
        _("default grade"), max_length=10, choices=Grade.choices, default=Grade.GENERAL
    )
    sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_("Only users with the sensitive-clue permission in the owning chain see it."),
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("finding kind")
        verbose_name_plural = _("finding kinds")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        if self.parent_id:
            return f"{self.parent.name}·{self.name}"
        return self.name

    @property
    def co_handler_list(self) -> list[str]:
        return [s.strip() for s in self.co_handlers.replace(",", "、").split("、") if s.strip()]


class GradeRule(models.Model):
    """The grade routing table (分级负责): which level owns a finding of this grade and in
    how many days it must be handled; after `escalate_after_days` more it is escalated."""

    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices, unique=True)
    owner_level = models.PositiveSmallIntegerField(
        _("owner level"),
        choices=[(1, _("City bureau")), (2, _("County-level bureau")), (3, _("Police station"))],
    )
    county_co_handles = models.BooleanField(
        _("county bureau handles it together"),
        default=False,
        help_text=_("For major findings owned by the city: the county bureau works with it."),
    )
    deadline_days = models.PositiveSmallIntegerField(_("deadline (days)"))
    escalate_after_days = models.PositiveSmallIntegerField(
        _("escalate after the deadline (days)"), default=2
    )

    class Meta:
        verbose_name = _("grade rule")
        verbose_name_plural = _("grade rules")
        ordering = ["deadline_days"]

    def __str__(self) -> str:
        return self.get_grade_display()


class FindingQuerySet(ScopedQuerySet):
    def visible_to(self, user: User) -> Self:
        """The territory chain and the owner chain (and a unit asked to take it over):
        `findings.access.visible_q`."""
        from zoufang.findings.access import sees_sensitive_transfers, visible_q

        scope = user_scope(user)
        if scope.everything:
            return self
        if scope.path is None:
            return self.none()
        return self.filter(visible_q(scope, sensitive_too=sees_sensitive_transfers(user, scope)))

    def readable_by(self, user: User) -> Self:
        """Rows whose content the user may read: `findings.access.readable_q`."""
        from zoufang.findings.access import readable_q

        return self.filter(readable_q(user))

    def open(self) -> Self:
        return self.filter(state__in=OPEN_STATES)


def is_leadership(user: User) -> bool:
    return bool(user.is_superuser or getattr(user, "role", "") in LEADERSHIP_ROLES)


class Finding(TimeStampedModel):
    """One finding, logged item by item (逐条梳理)."""

    number = models.CharField(_("number"), max_length=40, unique=True)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
    )
    kind = models.ForeignKey(
        FindingKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="findings"
    )
    description = models.TextField(_("description"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    # The territory: a beat, free text and coordinates.
    beat = models.ForeignKey(
        "org.Unit", verbose_name=_("beat"), on_delete=models.PROTECT, related_name="findings"
    )
    unit_path = PathField(_("territory path"), editable=False)
    place_text = models.CharField(_("place"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    # A registered address (registry.Place); the beat is derived from it when given.
    place = models.ForeignKey(
        "registry.Place",
        verbose_name=_("registered place"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings",
    )
    # The visit that raised it: a plain column, checked when the finding is created (the
    # visit exists and lies in the finding's beat), not a foreign key — see
    # docs/decisions/0005-finding-visit-link-and-partitioning.md.
    visit_id = models.BigIntegerField(_("visit"), null=True, blank=True, db_index=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_findings",
    )
    reporter_name = models.CharField(_("reporter name"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("reporter phone"), max_length=20, blank=True)
    resident_name = models.CharField(_("resident concerned"), max_length=50, blank=True)
    resident_phone = models.CharField(_("resident phone"), max_length=20, blank=True)
    # Routing (computed on the server, never chosen by the client).
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices)
    owner_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("owner unit"),
        on_delete=models.PROTECT,
        related_name="owned_findings",
    )
    owner_path = PathField(_("owner path"), editable=False)
    co_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("co-handling unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="co_handled_findings",
    )
    owner_department = models.ForeignKey(
        "org.Department",
        verbose_name=_("owner department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
    )
    co_handlers = models.CharField(_("co-handling bodies"), max_length=200, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_findings",
    )
    transfer_to = models.ForeignKey(
        "org.Unit",
        verbose_name=_("transfer to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incoming_findings",
    )
    transfer_path = PathField(_("transfer path"), blank=True, default="", editable=False)
    state_before_transfer = models.CharField(max_length=20, blank=True, editable=False)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.RAISED)
    sensitive = models.BooleanField(_("sensitive"), default=False)
    # Deadlines: `deadline` is when it must be handled; `escalate_at` the second deadline.
    deadline = models.DateTimeField(_("deadline"))
    escalate_at = models.DateTimeField(_("escalate at"), null=True, blank=True)
    # The deadline while the finding is open and not yet marked overdue, else NULL: what the
    # sweep looks for (see `Finding.sync_due`).
    due_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_overdue = models.BooleanField(_("overdue"), default=False)
    was_overdue = models.BooleanField(_("was overdue"), default=False)
    escalation_count = models.PositiveSmallIntegerField(_("escalations"), default=0)
    supervised = models.BooleanField(_("督办"), default=False)
    # Outcome.
    resolution = models.TextField(_("what was done"), blank=True)
    followup_satisfied = models.BooleanField(_("resident satisfied"), null=True, blank=True)
    triaged_at = models.DateTimeField(_("triaged at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("possible duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="possible_duplicates",
    )
    report_count = models.PositiveIntegerField(_("reports"), default=1)
    # Idempotent creation: the client's UUID and a hash of what it sent.
    client_uuid = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    payload_hash = models.CharField(max_length=64, blank=True, editable=False)
    # Optimistic locking: each change increments it; a change sent with an old one is refused.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The ledger's first page: newest first, stopping after 50 rows in scope.
            models.Index(fields=["created_at", "id"], name="fnd_created"),
            models.Index(fields=["unit_path", "state", "created_at"], name="fnd_scope_state"),
            models.Index(fields=["unit_path", "created_at"], name="fnd_scope_created"),
            models.Index(fields=["owner_path", "state", "created_at"], name="fnd_owner_state"),
            models.Index(fields=["owner_path", "created_at"], name="fnd_owner_created"),
            models.Index(fields=["transfer_path"], name="fnd_transfer"),
            models.Index(fields=["unit_path", "kind", "created_at"], name="fnd_scope_kind"),
            # The sweep reads only due rows: `due_at` and `escalate_at` are NULL unless the
            # finding is open (and, for due_at, not yet overdue). Plain indexes, so SQLite
            # uses them too (it cannot match a partial index's IN list to bound parameters).
            models.Index(fields=["due_at"], name="fnd_due_at"),
            models.Index(fields=["escalate_at"], name="fnd_escalate_at"),
        ]

    def __str__(self) -> str:
        return self.number

    def sync_due(self) -> None:
        """Keep the sweep's columns in step with the state and the overdue flag."""
        if self.state in OPEN_STATES:
            self.due_at = None if self.is_overdue else self.deadline
        else:
            self.due_at = None
            self.escalate_at = None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def overdue_now(self) -> bool:
        return self.is_open and self.deadline < timezone.now()


class FindingTransition(models.Model):
    """One change of a finding: who, when, from, to, why. The timeline and the audit trail."""

    finding = models.ForeignKey(
        Finding, verbose_name=_("finding"), on_delete=models.CASCADE, related_name="transitions"
    )
    action = models.CharField(_("action"), max_length=20)
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("finding transition")
        verbose_name_plural = _("finding transitions")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["finding", "at"], name="fnd_transition_finding")]

    def __str__(self) -> str:
        return f"{self.finding_id}: {self.from_state} → {self.to_state}"

    @classmethod
    def step(
        cls, finding: Finding, action: str, actor: Any, *, to: str | None = None, **rest: Any
    ) -> FindingTransition:
        """An unsaved timeline row: from the finding's present state to `to` (unchanged when
        not given). `rest` takes `at`, `comment`, `data` and `from_state`."""
        rest.setdefault("from_state", finding.state)
        return cls(
            finding=finding, action=action, actor=actor, to_state=to or finding.state, **rest
        )


class FindingAttachment(models.Model):
    finding = models.ForeignKey(
        Finding, verbose_name=_("finding"), on_delete=models.CASCADE, related_name="attachments"
    )
    transition = models.ForeignKey(
        FindingTransition,
        verbose_name=_("transition"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to="findings/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class FindingAccess(models.Model):
    """Every opening of a sensitive finding, and every refused attempt."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="accesses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    via = models.CharField(max_length=10)  # page, api, export
    granted = models.BooleanField()

    class Meta:
        verbose_name = _("sensitive finding access")
        verbose_name_plural = _("sensitive finding accesses")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.finding_id} {self.at:%Y-%m-%d %H:%M}"


class NumberCounter(models.Model):
    """The daily sequence behind readable numbers, per territory station."""

    prefix = models.CharField(max_length=30, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}:{self.last}"


class ReferralQuerySet(models.QuerySet):
    def awaiting(self) -> Self:
        """Referrals the co-handling body has not answered yet."""
        return self.filter(feedback_at__isnull=True)

    def overdue(self, now: object = None) -> Self:
        """Awaiting feedback past their deadline."""
        return self.awaiting().filter(deadline__lt=now or timezone.now())


class Referral(models.Model):
    """A finding referred to a body outside the police that handles it together with them
    (在当地党委政府的领导下,共同做好处置化解): a township government, a 村(居)委会, a
    department. The finding stays open, and on the ledger, until the police close it; the
    referral and its feedback are rows on the finding's timeline. Overdue: the deadline has
    passed without feedback. Seen through its finding (`access.get_referral_for_user`)."""

    class BodyKind(models.TextChoices):
        TOWNSHIP = "township", _("Township or street government")
        VILLAGE = "village", _("Village or residents' committee")
        DEPARTMENT = "department", _("Government department")
        OTHER = "other", _("Other body")

    finding = models.ForeignKey(
        Finding, verbose_name=_("finding"), on_delete=models.CASCADE, related_name="referrals"
    )
    body_kind = models.CharField(_("kind of body"), max_length=12, choices=BodyKind.choices)
    body_name = models.CharField(_("co-handling body"), max_length=100)
    contact_name = models.CharField(_("contact"), max_length=50)
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    deadline = models.DateTimeField(_("feedback due"))
    note = models.TextField(_("what is asked of them"), blank=True)
    feedback = models.TextField(_("feedback received"), blank=True)
    feedback_at = models.DateTimeField(_("feedback received at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("referred by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("referred at"), default=timezone.now)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("co-handling referral")
        verbose_name_plural = _("co-handling referrals")
        ordering = ["created_at", "pk"]
        indexes = [
            # The ledger's "referral overdue" filter: awaiting rows by deadline.
            models.Index(
                fields=["deadline"],
                condition=models.Q(feedback_at__isnull=True),
                name="fnd_referral_awaiting",
            )
        ]

    def __str__(self) -> str:
        return f"{self.finding_id} → {self.body_name}"

    @property
    def is_overdue(self) -> bool:
        return self.feedback_at is None and self.deadline < timezone.now()


# The rollups (counts per territory beat kept as findings change) live with their maintenance
# in findings/rollups.py; imported here so that Django registers them with the app.
from zoufang.findings.rollups import (  # noqa: E402, F401
    FindingCloseRollup,
    FindingDayRollup,
    FindingRollup,
)
