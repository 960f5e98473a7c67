"""The base registry (人、地、物、事、组织): places, households, persons, shops, enterprises,
key persons and key items, with the history of every change.

Every row carries the `unit_path` of its beat (copied, never joined) so that the jurisdiction
filter is one indexed prefix scan. ID numbers and phones are stored encrypted (see
`zoufang.registry.crypto`) with a keyed hash for exact lookup and a masked copy for lists.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from zoufang.core.models import PathField, ScopedQuerySet, TimeStampedModel


class PlaceQuerySet(ScopedQuerySet):
    def in_beat(self, beat_id: int) -> PlaceQuerySet:
        return self.filter(beat_id=beat_id)

    def active(self) -> PlaceQuerySet:
        return self.filter(is_active=True)


class Place(TimeStampedModel):
    """A standard address (地) within a community or village beat, and what is there."""

    class Kind(models.TextChoices):
        DWELLING = "dwelling", _("Dwelling")
        SHOP = "shop", _("Shop")
        ENTERPRISE = "enterprise", _("Enterprise or institution")
        KEY_PLACE = "key_place", _("Key place")
        KEY_AREA = "key_area", _("Key area")

    class ShopKind(models.TextChoices):
        STREET = "street", _("Street-front shop")
        SMALL = "small", _("Small neighbourhood shop")
        MARKET = "market", _("Market stall")

    class EnterpriseCategory(models.TextChoices):
        GOVERNMENT = "government", _("Party and government organ")
        HOSPITAL_SCHOOL = "hospital_school", _("Hospital or school")
        FINANCE_TELECOM = "finance_telecom", _("Finance or telecom")
        STATION_DOCK = "station_dock", _("Station or dock")
        UTILITIES = "utilities", _("Water, power, gas or heat")
        FACTORY_MINE = "factory_mine", _("Factory or mine")
        OTHER = "other", _("Other")

    class KeyPlaceKind(models.TextChoices):
        HOTEL = "hotel", _("Hotel")
        INTERNET_CAFE = "internet_cafe", _("Internet café")
        ENTERTAINMENT = "entertainment", _("Entertainment venue")
        LOGISTICS = "logistics", _("Logistics and delivery")
        OTHER = "other", _("Other")

    beat = models.ForeignKey(
        "org.Unit",
        verbose_name=_("beat"),
        on_delete=models.PROTECT,
        related_name="places",
        limit_choices_to={"level": 4},
    )
    unit_path = PathField(_("beat path"), editable=False)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    shop_kind = models.CharField(_("shop kind"), max_length=8, choices=ShopKind.choices, blank=True)
    enterprise_category = models.CharField(
        _("enterprise category"), max_length=16, choices=EnterpriseCategory.choices, blank=True
    )
    key_place_kind = models.CharField(
        _("key place kind"), max_length=16, choices=KeyPlaceKind.choices, blank=True
    )
    # A stable code: given by the bureau's address register, or derived from the beat code
    # and the normalised address (see registry.normalize.address_code), so a re-import of the
    # same address finds the same place.
    address_code = models.CharField(_("address code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    road = models.CharField(_("road / street"), max_length=100, blank=True)
    house_number = models.CharField(_("house number"), max_length=30, blank=True)
    building = models.CharField(_("building"), max_length=30, blank=True)
    entrance = models.CharField(_("unit (entrance)"), max_length=20, blank=True)
    room = models.CharField(_("room"), max_length=20, blank=True)
    address = models.CharField(_("full address"), max_length=255, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["unit_path", "road", "house_number", "building", "entrance", "room"]
        indexes = [
            models.Index(fields=["unit_path", "kind"], name="reg_place_scope_kind"),
            models.Index(fields=["beat", "kind"], name="reg_place_beat_kind"),
        ]

    def __str__(self) -> str:
        return self.name or self.address or self.address_code

    def compose_address(self) -> str:
        return compose_address(
            self.road, self.house_number, self.building, self.entrance, self.room
        )


def compose_address(road: str, number: str, building: str, entrance: str, room: str) -> str:
    """许昌市 style: 文峰路 12号 3栋 2单元 501室 (the suffix only where it is not already there)."""
    parts = [road]
    for value, suffix in ((number, "号"), (building, "栋"), (entrance, "单元"), (room, "室")):
        if value:
            parts.append(
                value if value.endswith(suffix) or not value[-1].isdigit() else value + suffix
            )
    return "".join(p for p in parts if p)
