"""A campaign (专项活动), its phases and its catalogs: topics, focuses, leaflets, drives, forms."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _


class CampaignQuerySet(models.QuerySet):
    def current(self) -> Campaign | None:
        return self.filter(is_current=True).first()


class Campaign(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    is_current = models.BooleanField(_("current campaign"), default=False)
    principle = models.CharField(_("principle"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    research_departments = models.ManyToManyField(
        "org.Department",
        verbose_name=_("departments taking part in research"),
        blank=True,
        related_name="research_campaigns",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="campaigns_one_current"
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="campaigns_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The campaign cannot end before it starts.")})

    def phase_on(self, day: dt.date | None = None) -> Phase | None:
        """The phase whose dates contain `day` (today by default): the phase follows the date."""
        day = day or timezone.localdate()
        return self.phases.filter(start_date__lte=day, end_date__gte=day).first()

    @cached_property
    def current_phase(self) -> Phase | None:
        """The phase of today, looked up once per instance (the page header shows it)."""
        return self.phase_on()

    @cached_property
    def phase_list(self) -> list[Phase]:
        return list(self.phases.all())

    def day_number(self, day: dt.date | None = None) -> int:
        day = day or timezone.localdate()
        return (day - self.start_date).days + 1


class Phase(models.Model):
    class Kind(models.TextChoices):
        PREPARATION = "preparation", _("Preparation and launch")
        VISITING = "visiting", _("Concentrated visiting")
        DEEPENING = "deepening", _("Key deepening")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=50)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    order = models.PositiveSmallIntegerField(_("order"))
    tasks = models.TextField(_("main tasks"), blank=True)

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["campaign", "order"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "kind"], name="campaigns_phase_kind_once"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("A phase cannot end before it starts.")})


class CatalogItem(models.Model):
    """One entry of a campaign catalog. Kinds share one table: they are short lists of names
    with a code and an order, edited by the office in the admin."""

    class Kind(models.TextChoices):
        TOPIC = "topic", _("Propaganda topic")
        FOCUS = "focus", _("Inspection focus")
        LEAFLET = "leaflet", _("Leaflet")
        DRIVE = "drive", _("Themed publicity drive")
        ASK = "ask", _("The three asks")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="catalog")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("catalog item")
        verbose_name_plural = _("catalog items")
        ordering = ["campaign", "kind", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "kind", "code"], name="campaigns_catalog_code"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class VisitForm(models.Model):
    """A visit form definition (e.g. 城乡住户走访表). `schema` lists sections and questions, so a
    campaign can add questions without a code change."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="forms")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    applies_to = models.JSONField(_("visit kinds"), default=list, help_text=_('e.g. ["household"]'))
    version = models.PositiveIntegerField(_("version"), default=1)
    schema = models.JSONField(_("questions"), default=dict)

    class Meta:
        verbose_name = _("visit form")
        verbose_name_plural = _("visit forms")
        ordering = ["campaign", "code"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="campaigns_form_code"),
        ]

    def __str__(self) -> str:
        return self.name

    def question_count(self) -> int:
        return sum(len(s.get("questions", [])) for s in self.schema.get("sections", []))
