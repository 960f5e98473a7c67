"""Publicity and the public's voice (集中宣传、问计于民): drive events, leaflet stock issued to
units, and what residents send through the public page.

Drives and leaflets are the campaign's catalog entries (`campaigns.CatalogItem`, kinds "drive"
and "leaflet"); this app adds their events and stock. Every row carries the `unit_path` of the
unit it belongs to, so lists and totals are one range on the path (core.scope).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zoufang.core.models import PathField, ScopedQuerySet, TimeStampedModel


class DriveEvent(TimeStampedModel):
    """One event of a themed publicity drive: when, where, who organised it, who took part,
    which leaflets were handed out and how many people it reached."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="drive_events"
    )
    drive = models.ForeignKey(
        "campaigns.CatalogItem",
        verbose_name=_("drive"),
        on_delete=models.PROTECT,
        related_name="drive_events",
        limit_choices_to={"kind": "drive"},
    )
    title = models.CharField(_("what was done"), max_length=200)
    date = models.DateField(_("date"))
    # The organising unit (the event counts for its subtree); others that took part.
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("organising unit"), on_delete=models.PROTECT, related_name="+"
    )
    unit_path = PathField(_("unit path"), editable=False)
    co_units = models.ManyToManyField(
        "org.Unit", verbose_name=_("units taking part"), blank=True, related_name="+"
    )
    officers = models.ManyToManyField(
        "org.Personnel", verbose_name=_("officers taking part"), blank=True, related_name="+"
    )
    place = models.ForeignKey(
        "registry.Place",
        verbose_name=_("registered place"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    place_text = models.CharField(_("place"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    people_reached = models.PositiveIntegerField(_("people reached"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("drive event")
        verbose_name_plural = _("drive events")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["unit_path", "drive", "date"], name="out_event_scope")]

    def __str__(self) -> str:
        return f"{self.date} {self.title}"


class EventLeaflet(models.Model):
    event = models.ForeignKey(DriveEvent, on_delete=models.CASCADE, related_name="leaflets")
    item = models.ForeignKey(
        "campaigns.CatalogItem",
        verbose_name=_("leaflet"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "item"], name="out_event_leaflet_once")
        ]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.item_id} × {self.quantity}"


def event_photo_path(instance: EventPhoto, filename: str) -> str:
    return f"outreach/events/{instance.event_id}/{instance.token}{instance.extension}"


class EventPhoto(models.Model):
    event = models.ForeignKey(DriveEvent, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("photo"), upload_to=event_photo_path, max_length=200)
    token = models.CharField(max_length=32, editable=False)
    extension = models.CharField(max_length=6, editable=False)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.image.name


class LeafletIssue(models.Model):
    """Leaflets issued to a unit (a delivery of stock); a negative quantity is a return or a
    correction. A unit's stock is what was issued into its subtree minus what its visits and
    events handed out."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(
        "campaigns.CatalogItem",
        verbose_name=_("leaflet"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    unit_path = PathField(_("unit path"), editable=False)
    quantity = models.IntegerField(_("quantity"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("leaflet issue")
        verbose_name_plural = _("leaflet issues")
        ordering = ["-issued_at", "-pk"]
        indexes = [models.Index(fields=["unit_path", "item"], name="out_issue_scope")]

    def __str__(self) -> str:
        return f"{self.item_id} → {self.unit_id}: {self.quantity}"


class SubmissionKind(models.TextChoices):
    RATING = "rating", _("Rating of a visit")
    OPINION = "opinion", _("Opinion or suggestion")
    VISIT = "visit", _("Visit request")
    CLUE = "clue", _("Clue")


class SubmissionState(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    HELD = "held", _("Held for moderation")
    DISCARDED = "discarded", _("Discarded")


class Satisfaction(models.TextChoices):
    # The same three answers as the officers' visit forms (群众对本次走访的满意度).
    SATISFIED = "satisfied", _("Satisfied")
    FAIR = "fair", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class Safety(models.TextChoices):
    SAFE = "safe", _("Safe")
    FAIR = "fair", _("Basically safe")
    UNSAFE = "unsafe", _("Unsafe")


def submission_photo_path(instance: PublicSubmission, filename: str) -> str:
    return f"outreach/public/{instance.reference}{instance.photo_extension}"


# Why a submission waits in the office's queue (services/public.py sets the code).
HOLD_REASONS = {
    "link": _("A link in the text"),
    "repeat": _("The same text again within a day"),
    "routing": _("Not taken by the findings ledger (its kind is inactive or missing)"),
}


class PublicSubmission(models.Model):
    """What a resident sent through the public page. Only what its purpose needs is kept
    (the PIPL notice on the page lists it): no client address, no browser data. A phone is
    kept only when the resident gives it for a call back, sealed with the registry's key.

    The resident gets a reference and a short code; the code is kept only as a keyed hash."""

    reference = models.CharField(_("reference"), max_length=16, unique=True)
    code_hash = models.CharField(max_length=64, editable=False)
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    beat = models.ForeignKey(
        "org.Unit", verbose_name=_("beat"), on_delete=models.PROTECT, related_name="+"
    )
    unit_path = PathField(_("beat path"), editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=SubmissionKind.choices)
    state = models.CharField(
        _("state"), max_length=10, choices=SubmissionState.choices, default=SubmissionState.ACCEPTED
    )
    hold_reason = models.CharField(_("why held"), max_length=100, blank=True)
    text = models.TextField(_("text"), blank=True)
    clue_kind = models.CharField(_("kind of clue"), max_length=40, blank=True)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    contact_name = models.CharField(_("name"), max_length=50, blank=True)
    contact_phone_sealed = models.TextField(blank=True, editable=False)
    contact_phone_masked = models.CharField(_("phone"), max_length=20, blank=True)
    # A rating: the three questions; the visit it is tied to when the address named one.
    satisfaction = models.CharField(
        _("satisfaction"), max_length=12, choices=Satisfaction.choices, blank=True
    )
    safety = models.CharField(
        _("sense of security"), max_length=8, choices=Safety.choices, blank=True
    )
    topics_explained = models.BooleanField(_("six topics explained"), null=True, blank=True)
    visit_id = models.BigIntegerField(_("visit"), null=True, blank=True)
    # A visit request: the address and the time that suits the resident.
    address = models.CharField(_("address"), max_length=200, blank=True)
    wanted_date = models.DateField(_("date wanted"), null=True, blank=True)
    wanted_start = models.TimeField(_("from"), null=True, blank=True)
    wanted_end = models.TimeField(_("to"), null=True, blank=True)
    photo = models.FileField(
        _("photo"), upload_to=submission_photo_path, max_length=200, blank=True
    )
    photo_extension = models.CharField(max_length=6, blank=True, editable=False)
    # What it became: a finding (findings.Finding) or a visit task (visits.VisitTask); plain
    # checked columns, like Finding.visit_id (docs/decisions/0005).
    finding_id = models.BigIntegerField(null=True, blank=True)
    task_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("public submission")
        verbose_name_plural = _("public submissions")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["unit_path", "kind", "state"], name="out_sub_scope"),
            models.Index(fields=["state", "created_at"], name="out_sub_state"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def hold_reason_label(self) -> str:
        return str(HOLD_REASONS.get(self.hold_reason, self.hold_reason))
