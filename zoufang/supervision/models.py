"""Supervision (督导): the office's settings per campaign, on-site verification by sampling
(实地核查), cross-inspection (交叉互查), score snapshots, commendation and accountability lists
(表彰奖励 / 倒查问责) and the key-deepening targets (重点深化).

Scoped rows carry the `unit_path` of the unit they are about (the sampled visit's beat, the
inspected unit, the scored unit), so a unit sees what is about itself with one range scan.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zoufang.core.models import PathField, ScopedQuerySet, TimeStampedModel


class SupervisionSettings(models.Model):
    """The office's thresholds for one campaign: data, not code (edited on the settings page)."""

    campaign = models.OneToOneField(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="supervision_settings"
    )
    start_by_day = models.PositiveSmallIntegerField(
        _("every team has started by day N of concentrated visiting"), default=3
    )
    workload_iqr_factor = models.DecimalField(
        _("workload outlier factor (× IQR)"), max_digits=4, decimal_places=2, default=1.5
    )
    sample_percent = models.DecimalField(
        _("verification sample (percent of completed visits)"),
        max_digits=5,
        decimal_places=2,
        default=2,
    )
    sample_min_per_unit = models.PositiveSmallIntegerField(
        _("verification sample: minimum per station"), default=3
    )
    inspection_visit_sample = models.PositiveSmallIntegerField(
        _("cross-inspection: visits sampled per target"), default=10
    )
    inspection_finding_sample = models.PositiveSmallIntegerField(
        _("cross-inspection: findings sampled per target"), default=5
    )
    # {component key: weight}; the weights add up to 100 (checked when saved).
    weights = models.JSONField(_("score weights"), default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("supervision settings")
        verbose_name_plural = _("supervision settings")

    def __str__(self) -> str:
        return str(self.campaign)


# ---- on-site verification --------------------------------------------------------------------


class VerificationSample(models.Model):
    """One draw of completed visits to verify. `seed` and `population_max_id` make it
    reproducible: the same rule over visits with id ≤ population_max_id gives the same sample."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="verification_samples"
    )
    seed = models.BigIntegerField(_("seed"))
    percent = models.DecimalField(_("percent"), max_digits=5, decimal_places=2)
    min_per_unit = models.PositiveSmallIntegerField(_("minimum per station"))
    take_all_when_short = models.BooleanField(_("take every visit of a smaller station"))
    population_max_id = models.BigIntegerField(_("last visit id in the population"))
    population = models.PositiveIntegerField(_("completed visits"))
    size = models.PositiveIntegerField(_("sample size"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("verification sample")
        verbose_name_plural = _("verification samples")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk} seed {self.seed}"


class VerificationTask(TimeStampedModel):
    """A sampled visit a supervisor checks: on site or by phone, did it happen, are the facts
    right, is the resident satisfied."""

    class State(models.TextChoices):
        OPEN = "open", _("To verify")
        DONE = "done", _("Verified")

    class Method(models.TextChoices):
        ON_SITE = "on_site", _("On site")
        PHONE = "phone", _("By phone")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        BASIC = "basic", _("Basically satisfied")
        DISSATISFIED = "dissatisfied", _("Dissatisfied")

    sample = models.ForeignKey(VerificationSample, on_delete=models.CASCADE, related_name="tasks")
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="+")
    visit = models.ForeignKey("visits.Visit", on_delete=models.PROTECT, related_name="+")
    beat = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(_("beat path"), editable=False)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervisor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="verification_tasks",
    )
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.OPEN)
    method = models.CharField(_("method"), max_length=8, choices=Method.choices, blank=True)
    happened = models.BooleanField(_("the visit happened"), null=True)
    facts_right = models.BooleanField(_("the facts are right"), null=True)
    satisfaction = models.CharField(
        _("resident satisfaction"), max_length=12, choices=Satisfaction.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("verification task")
        verbose_name_plural = _("verification tasks")
        ordering = ["state", "unit_path", "pk"]
        indexes = [
            models.Index(fields=["unit_path", "campaign", "state"], name="sup_verif_scope"),
            models.Index(fields=["supervisor", "state"], name="sup_verif_supervisor"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["sample", "visit"], name="sup_verif_once"),
        ]

    def __str__(self) -> str:
        return f"{self.visit_id} ({self.get_state_display()})"

    @property
    def confirmed(self) -> bool:
        return bool(self.happened and self.facts_right)


# ---- cross-inspection ------------------------------------------------------------------------


class CrossPairing(models.Model):
    """Who inspects whom among the children of `parent` (the city's county bureaus, or a
    county's stations). Generated at random, adjusted by the office, then confirmed."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CONFIRMED = "confirmed", _("Confirmed")

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="cross_pairings"
    )
    parent = models.ForeignKey(
        "org.Unit", verbose_name=_("among the units of"), on_delete=models.PROTECT, related_name="+"
    )
    seed = models.BigIntegerField(_("seed"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("cross-inspection pairing")
        verbose_name_plural = _("cross-inspection pairings")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.parent} #{self.pk}"


class InspectionQuerySet(ScopedQuerySet):
    def about_or_by(self, user: object) -> InspectionQuerySet:
        """Inspections of the user's subtree, or made by a unit in it."""
        from zoufang.core.scope import user_scope

        scope = user_scope(user)  # type: ignore[arg-type]
        return self.filter(scope.q("unit_path") | scope.q("inspector_path"))


class CrossInspection(TimeStampedModel):
    """One unit inspecting another: the checklist, a sample of the target's records, a result."""

    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        OPEN = "open", _("To inspect")
        DONE = "done", _("Done")

    class Result(models.TextChoices):
        GOOD = "good", _("Good")
        ADEQUATE = "adequate", _("Adequate, with problems")
        POOR = "poor", _("Poor")

    pairing = models.ForeignKey(CrossPairing, on_delete=models.CASCADE, related_name="inspections")
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="+")
    inspector = models.ForeignKey(
        "org.Unit", verbose_name=_("inspecting unit"), on_delete=models.PROTECT, related_name="+"
    )
    inspector_path = PathField(editable=False)
    target = models.ForeignKey(
        "org.Unit", verbose_name=_("inspected unit"), on_delete=models.PROTECT, related_name="+"
    )
    unit_path = PathField(_("inspected unit path"), editable=False)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PLANNED)
    # The checklist: 力量到位, 工作落实, 遵守纪律, the six 排查重点 covered.
    people_deployed = models.BooleanField(_("people deployed"), null=True)
    work_done = models.BooleanField(_("work done"), null=True)
    discipline = models.BooleanField(_("discipline kept"), null=True)
    focuses_covered = models.BooleanField(_("the six inspection focuses covered"), null=True)
    sample_visit_ids = models.JSONField(_("sampled visits"), default=list, blank=True)
    sample_finding_ids = models.JSONField(_("sampled findings"), default=list, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("cross-inspection")
        verbose_name_plural = _("cross-inspections")
        ordering = ["pairing", "inspector_path"]
        indexes = [
            models.Index(fields=["unit_path", "campaign"], name="sup_insp_target"),
            models.Index(fields=["inspector_path", "campaign"], name="sup_insp_inspector"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["pairing", "inspector"], name="sup_insp_one_target"),
        ]

    def __str__(self) -> str:
        return f"{self.inspector} → {self.target}"

    CHECKLIST = ("people_deployed", "work_done", "discipline", "focuses_covered")

    @property
    def checklist_score(self) -> float | None:
        """Share of checklist items met, 0–100 (None until the inspection is done)."""
        if self.state != self.State.DONE:
            return None
        met = sum(1 for f in self.CHECKLIST if getattr(self, f))
        return round(100 * met / len(self.CHECKLIST), 1)


def inspection_photo_path(instance: InspectionPhoto, filename: str) -> str:
    return f"supervision/inspections/{instance.inspection_id}/{instance.name}"


class InspectionPhoto(models.Model):
    """A photo of an inspection's evidence, stored like a visit photo (a file, served only to
    those who may see the inspection)."""

    inspection = models.ForeignKey(CrossInspection, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("photo"), upload_to=inspection_photo_path, max_length=200)
    name = models.CharField(max_length=80)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.name


# ---- scores ---------------------------------------------------------------------------------


class ScoreSnapshot(models.Model):
    """A unit's (or team's) score on one day, kept for the ranking's trend."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+")
    unit_path = PathField(editable=False)
    level = models.PositiveSmallIntegerField()
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2)
    rank = models.PositiveIntegerField(_("rank"))
    components = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["day", "rank"]
        indexes = [models.Index(fields=["campaign", "level", "day"], name="sup_snap_day")]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "day", "unit"], name="sup_snap_once"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.unit_id} {self.score}"


# ---- commendation and accountability lists ----------------------------------------------


class HonourList(models.Model):
    """A proposed list of units, teams and people to commend (表彰奖励) or to hold to account
    (倒查问责). The office edits and confirms it, then publishes it: a published list is
    frozen — its entries carry the figures copied at the time, never recomputed."""

    class Kind(models.TextChoices):
        COMMEND = "commend", _("Commendation")
        ACCOUNT = "account", _("Accountability")

    class State(models.TextChoices):
        DRAFT = "draft", _("Proposed")
        CONFIRMED = "confirmed", _("Confirmed")
        PUBLISHED = "published", _("Published")

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="honour_lists"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("commendation or accountability list")
        verbose_name_plural = _("commendation and accountability lists")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_frozen(self) -> bool:
        return self.state == self.State.PUBLISHED


class HonourEntry(models.Model):
    """One unit, team or person on a list, with the reason and the evidence (copied)."""

    honour_list = models.ForeignKey(HonourList, on_delete=models.CASCADE, related_name="entries")
    unit = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    personnel = models.ForeignKey(
        "org.Personnel", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit_path = PathField(editable=False)
    name = models.CharField(_("name"), max_length=120)
    unit_name = models.CharField(_("unit"), max_length=120, blank=True)
    reason = models.CharField(_("reason"), max_length=300)
    evidence = models.TextField(_("evidence"), blank=True)
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    order = models.PositiveIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["honour_list", "order", "pk"]

    def __str__(self) -> str:
        return self.name


class HonourEvent(models.Model):
    """The list's history: proposed, edited, confirmed, published (who, when, what)."""

    honour_list = models.ForeignKey(HonourList, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20)
    note = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.honour_list_id} {self.action}"


# ---- key deepening -------------------------------------------------------------------------


class DeepeningTarget(TimeStampedModel):
    """A unit picked for key deepening (重点深化): the weakest basics and the most prominent
    hazards. The office confirms it; it gets a follow-up plan, a responsible leader and a
    supervisor; its progress is tracked until it is lifted."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        CONFIRMED = "confirmed", _("Under key follow-up")
        LIFTED = "lifted", _("Lifted")
        DISMISSED = "dismissed", _("Not taken")

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="deepening_targets"
    )
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(editable=False)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PROPOSED
    )
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    weakness = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    plan = models.TextField(_("follow-up plan"), blank=True)
    leader = models.CharField(_("responsible leader"), max_length=60, blank=True)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervisor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deepening_targets",
    )
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("key-deepening target")
        verbose_name_plural = _("key-deepening targets")
        ordering = ["state", "-weakness", "unit_path"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "unit"],
                condition=models.Q(state__in=["proposed", "confirmed"]),
                name="sup_deep_one_active",
            )
        ]

    def __str__(self) -> str:
        return str(self.unit)


class DeepeningProgress(models.Model):
    target = models.ForeignKey(DeepeningTarget, on_delete=models.CASCADE, related_name="progress")
    note = models.TextField(_("progress"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.target_id} {self.at:%Y-%m-%d}"
