"""What a visit inspected and heard, kept in rows others can count: the inspection focuses
(排查重点) it covered, the opinions on police work it collected, the people it met by ID number,
and the alerts raised when one of them is wanted (追逃缉拿).

Imported by `visits.models` (Django finds the models there); each row carries the beat's
`unit_path`, so every count is one range on it (core.scope), like the visit's own.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from zoufang.core.models import PathField, ScopedQuerySet


class VisitFocus(models.Model):
    """One of the six inspection focuses (CatalogItem kind "focus": key-persons, key-areas,
    key-items, disputes, fire-safety, fugitives) a visit actually inspected. The stable
    representation supervision and the dashboard count: `selectors.inspected_focus_counts`.
    Only a visit that took place (outcome "visited") has any."""

    visit = models.ForeignKey(
        "visits.Visit", on_delete=models.CASCADE, related_name="focuses", db_index=False
    )  # vis_focus_once
    item = models.ForeignKey(
        "campaigns.CatalogItem",
        verbose_name=_("inspection focus"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection focus covered")
        verbose_name_plural = _("inspection focuses covered")
        indexes = [models.Index(fields=["unit_path", "campaign", "item"], name="vis_focus_scope")]
        constraints = [models.UniqueConstraint(fields=["visit", "item"], name="vis_focus_once")]

    def __str__(self) -> str:
        return f"{self.visit_id}: {self.item_id}"


class VisitOpinion(models.Model):
    """An opinion or suggestion on police work heard on a visit (the household form's
    对公安工作的意见和建议, the village form's shortcomings), with the areas it is about:
    structured text the research can group and read (`selectors.opinion_list`)."""

    visit = models.ForeignKey("visits.Visit", on_delete=models.CASCADE, related_name="opinions")
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(editable=False)
    kind = models.CharField(_("visit kind"), max_length=12)
    question = models.CharField(_("question"), max_length=40)
    areas = models.JSONField(_("areas"), default=list, blank=True)
    text = models.TextField(_("opinion"))
    created_at = models.DateTimeField(_("recorded at"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("opinion on police work")
        verbose_name_plural = _("opinions on police work")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["unit_path", "campaign", "created_at"], name="vis_opinion_scope")
        ]

    def __str__(self) -> str:
        return self.text[:40]


class VisitPerson(models.Model):
    """A registry person a visit met, known by an ID number entered on its form: the person's
    page lists these visits."""

    visit = models.ForeignKey(
        "visits.Visit", on_delete=models.CASCADE, related_name="people_met", db_index=False
    )  # vis_person_once
    person = models.ForeignKey(
        "registry.Person", on_delete=models.CASCADE, related_name="visits_met"
    )
    unit_path = PathField(editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("person met on a visit")
        verbose_name_plural = _("persons met on visits")
        constraints = [models.UniqueConstraint(fields=["visit", "person"], name="vis_person_once")]

    def __str__(self) -> str:
        return f"{self.visit_id}: {self.person_id}"


class WantedAlert(models.Model):
    """An ID number entered on a visit matched a key person of the fugitive category (在逃):
    the station's chiefs who may see sensitive data were told at once. Sensitive: the officer
    who recorded the visit is never shown it (their screen says only to call in); every alert
    is in the audit trail."""

    visit = models.ForeignKey("visits.Visit", on_delete=models.CASCADE, related_name="+")
    key_person = models.ForeignKey("registry.KeyPerson", on_delete=models.CASCADE, related_name="+")
    unit_path = PathField(editable=False)
    notified = models.PositiveSmallIntegerField(_("chiefs notified"), default=0)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("wanted-person alert")
        verbose_name_plural = _("wanted-person alerts")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "key_person"], name="vis_wanted_once")
        ]

    def __str__(self) -> str:
        return f"{self.visit_id}: {self.key_person_id}"
