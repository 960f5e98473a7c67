"""Online patrol (网上巡查): rules that look for perfunctory or invented visits, the flags they
raise with their evidence, the supervisor's decision on each, and the rectification notice
(整改通知) a confirmed flag sends to the unit.

Rules are rows (kind, parameters, enabled) so the office changes thresholds without a code
change; each keeps a watermark (the last visit id, photo id it examined) so a run reads only
what is new. The similarity indexes (text MinHash bands, photo hashes and their bands) and the
visit time slots live in their own tables, filled incrementally by the runs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zoufang.core.models import PathField, ScopedQuerySet, TimeStampedModel


class RuleKind(models.TextChoices):
    MIN_DURATION = "min_duration", _("Visit too short for its form")
    TEAM_RATE = "team_rate", _("Too many visits by one team in an hour")
    OVERLAP = "overlap", _("One person in two visits at overlapping times")
    DISTANCE = "distance", _("Recorded far from the address")
    TEXT_COPY = "text_copy", _("Near-duplicate free-text answers")
    PHOTO_COPY = "photo_copy", _("The same photo on several visits")
    NO_PROBLEMS = "no_problems", _("'No problems found' far more often than peers")
    NIGHT = "night", _("Visit in the small hours without an appointment")
    IDLE_TEAM = "idle_team", _("Team without visits for days")
    HANGING = "hanging", _("Finding past its deadline left hanging")


class Rule(TimeStampedModel):
    """One patrol rule of a campaign: its kind, thresholds (validated per kind) and watermark."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="patrol_rules"
    )
    kind = models.CharField(_("rule"), max_length=16, choices=RuleKind.choices)
    enabled = models.BooleanField(_("enabled"), default=True)
    params = models.JSONField(_("thresholds"), default=dict)
    # Incremental runs: the last visit (and photo) id this rule has examined.
    watermark = models.BigIntegerField(default=0, editable=False)
    photo_watermark = models.BigIntegerField(default=0, editable=False)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("patrol rule")
        verbose_name_plural = _("patrol rules")
        ordering = ["campaign", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "kind"], name="patrol_rule_once")
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class FlagState(models.TextChoices):
    OPEN = "open", _("Awaiting decision")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


class SubjectKind(models.TextChoices):
    VISIT = "visit", _("Visit")
    PERSON = "person", _("Person")
    TEAM = "team", _("Team")
    FINDING = "finding", _("Finding")


class FlagQuerySet(ScopedQuerySet):
    def open(self) -> FlagQuerySet:
        return self.filter(state=FlagState.OPEN)


class Flag(TimeStampedModel):
    """What a rule found about a visit, person, team or finding, with the evidence.

    `key` names the subject within the rule (e.g. "v:123", "v:123|v:456", "t:9|2026-12-01"),
    unique per rule, so a re-run never raises the same flag twice."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="patrol_flags"
    )
    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="flags")
    key = models.CharField(max_length=120, editable=False)
    subject = models.CharField(_("subject"), max_length=8, choices=SubjectKind.choices)
    # The unit held responsible (a beat for visits and teams; the owner unit for findings).
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    unit_path = PathField(_("unit path"), editable=False)
    team = models.ForeignKey(
        "org.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    personnel = models.ForeignKey(
        "org.Personnel",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The visits the evidence points at (plain ids: visits are never deleted, and a flag must
    # not hold a lock on the visits table's hot rows).
    visit_id = models.BigIntegerField(_("visit"), null=True, blank=True)
    other_visit_id = models.BigIntegerField(_("other visit"), null=True, blank=True)
    finding_id = models.BigIntegerField(_("finding"), null=True, blank=True)
    evidence = models.JSONField(_("evidence"), default=dict)
    state = models.CharField(
        _("state"), max_length=10, choices=FlagState.choices, default=FlagState.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        verbose_name = _("patrol flag")
        verbose_name_plural = _("patrol flags")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["rule", "key"], name="patrol_flag_once")]
        indexes = [
            models.Index(fields=["unit_path", "state", "created_at"], name="patrol_flag_scope"),
            models.Index(fields=["rule", "state"], name="patrol_flag_rule"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}:{self.key}"

    @property
    def summary(self) -> str:
        """One line saying what was found, in the reader's language (the rule's sentence with
        the figures kept in the evidence)."""
        from zoufang.patrol.rules import summary_for

        return summary_for(self.rule.kind, self.evidence.get("args", {}))


class FlagEvent(models.Model):
    """One decision on a flag (open → confirmed / dismissed), who and why."""

    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=10, blank=True, choices=FlagState.choices)
    to_state = models.CharField(max_length=10, choices=FlagState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.flag_id}: {self.from_state} → {self.to_state}"


class NoticeState(models.TextChoices):
    OPEN = "open", _("Awaiting rectification")
    REPLIED = "replied", _("Replied, awaiting re-check")
    CLOSED = "closed", _("Closed after re-check")


class Notice(TimeStampedModel):
    """整改通知: a rectification notice to a unit for a confirmed flag, with a deadline; the
    unit replies with what was done, a supervisor re-checks and closes or re-opens it."""

    flag = models.OneToOneField(Flag, on_delete=models.CASCADE, related_name="notice")
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    unit_path = PathField(_("unit path"), editable=False)
    requirement = models.TextField(_("what must be rectified"))
    deadline = models.DateField(_("deadline"))
    state = models.CharField(
        _("state"), max_length=10, choices=NoticeState.choices, default=NoticeState.OPEN
    )
    reply = models.TextField(_("what was done"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    recheck_note = models.TextField(_("re-check note"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("rectification notice")
        verbose_name_plural = _("rectification notices")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["unit_path", "state", "deadline"], name="patrol_notice_scope")
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.deadline}"


class NoticeEvent(models.Model):
    """One step of a notice: issued, replied, closed, reopened (who, what they wrote)."""

    class Action(models.TextChoices):
        ISSUE = "issue", _("Issued")
        REPLY = "reply", _("Unit replied")
        CLOSE = "close", _("Closed after re-check")
        REOPEN = "reopen", _("Re-opened after re-check")

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=10, choices=Action.choices)
    from_state = models.CharField(max_length=10, blank=True)
    to_state = models.CharField(max_length=10)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.notice_id}: {self.action}"


class PatrolRun(models.Model):
    """One run of the patrol (periodic or "run now"): its progress and what it raised."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    rules_done = models.PositiveSmallIntegerField(default=0)
    rules_total = models.PositiveSmallIntegerField(default=0)
    new_flags = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.state}"

    @property
    def percent(self) -> int:
        return int(100 * self.rules_done / self.rules_total) if self.rules_total else 0


# ---- the incremental indexes (filled by the runs; never edited by hand)


class VisitSlot(models.Model):
    """When a team (personnel None) or a member (personnel set) was on a visit: the index the
    rate and overlap rules search by (who, start time) instead of the whole visits table."""

    campaign_id = models.BigIntegerField()
    visit_id = models.BigIntegerField()
    team_id = models.BigIntegerField(null=True)
    personnel_id = models.BigIntegerField(null=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["visit_id"], name="patrol_slot_visit"),
            models.Index(fields=["team_id", "started_at"], name="patrol_slot_team"),
            models.Index(fields=["personnel_id", "started_at"], name="patrol_slot_person"),
        ]

    def __str__(self) -> str:
        return f"{self.visit_id} {self.started_at}"


class TeamTally(models.Model):
    """Per team: visits that found someone in, how many of them raised nothing, the last visit.
    Kept up to date incrementally; the peer test and the idle rule read this small table."""

    campaign_id = models.BigIntegerField()
    team_id = models.BigIntegerField()
    beat_kind = models.CharField(max_length=12, blank=True)
    visited = models.PositiveIntegerField(default=0)
    no_problems = models.PositiveIntegerField(default=0)
    last_visit_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign_id", "team_id"], name="patrol_tally_once")
        ]

    def __str__(self) -> str:
        return f"{self.team_id}: {self.no_problems}/{self.visited}"


class TextSignature(models.Model):
    """A visit's free text as far as the copy rule is concerned: its MinHash bands sit in
    `SimilarityBand`; the text itself is re-read from the visit when a candidate is checked."""

    visit_id = models.BigIntegerField(primary_key=True)
    campaign_id = models.BigIntegerField()
    task_id = models.BigIntegerField()
    length = models.PositiveIntegerField()

    def __str__(self) -> str:
        return str(self.visit_id)


class PhotoHash(models.Model):
    """A visit photo's content hash (SHA-256 of its bytes) and perceptual hash (64-bit pHash,
    stored as a signed bigint). `photo_id` is the visits app's photo, or None for a hash
    loaded without its file (bench cities)."""

    photo_id = models.BigIntegerField(null=True, unique=True)
    visit_id = models.BigIntegerField()
    campaign_id = models.BigIntegerField()
    task_id = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    phash = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["campaign_id", "sha256"], name="patrol_photo_sha")]

    def __str__(self) -> str:
        return self.sha256[:12]


class SimilarityBand(models.Model):
    """Locality-sensitive hashing bands: equal band values make a candidate pair. Text: the
    MinHash signature cut into bands (item = visit id); photo: the 64-bit pHash cut into four
    16-bit quarters (item = PhotoHash id), so any two hashes within 3 bits share a quarter."""

    class Kind(models.IntegerChoices):
        TEXT = 1
        PHOTO = 2

    kind = models.PositiveSmallIntegerField(choices=Kind.choices)
    campaign_id = models.BigIntegerField()
    band = models.PositiveSmallIntegerField()
    value = models.BigIntegerField()
    item_id = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["campaign_id", "kind", "band", "value"], name="patrol_band"),
            models.Index(fields=["kind", "item_id"], name="patrol_band_item"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}/{self.band}={self.value}"


class IndexMark(models.Model):
    """How far the shared indexes (`VisitSlot`, `TeamTally`) have read the visits table."""

    campaign_id = models.BigIntegerField(unique=True)
    visit_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.visit_id}"
