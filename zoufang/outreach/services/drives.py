"""Drive events (集中宣传): recorded by the organising unit with the leaflets handed out, the
people reached, the units and officers that took part, and photos."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zoufang.campaigns.models import CatalogItem
from zoufang.core.scope import user_scope
from zoufang.org.models import Personnel, Unit
from zoufang.outreach.access import may_record_event
from zoufang.outreach.models import DriveEvent, EventLeaflet, EventPhoto
from zoufang.outreach.services.photos import photo_check

if TYPE_CHECKING:
    from zoufang.campaigns.models import Campaign
    from zoufang.org.models import User

MAX_PEOPLE = 1_000_000
MAX_LEAFLETS = 100_000
MAX_PHOTOS = 6


def _coordinate(value: Any, limit: int, name: str, errors: dict[str, str]) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        errors[name] = _("Enter a number.")
        return None
    if not -limit <= number <= limit:
        errors[name] = _("Out of range.")
        return None
    return number


def _scope_errors(actor: User, co_units: Any, officers: Any, place: Any) -> dict[str, str]:
    """Every unit, officer and place named must lie in the actor's scope."""
    scope = user_scope(actor)
    errors: dict[str, str] = {}
    if any(not scope.contains(u.path) for u in co_units):
        errors["co_units"] = _("Choose units in your jurisdiction.")
    if any(not scope.contains(p.unit.path) for p in officers):
        errors["officers"] = _("Choose officers in your jurisdiction.")
    if place is not None and not scope.contains(place.unit_path):
        errors["place"] = _("This place is outside your jurisdiction.")
    return errors


@transaction.atomic
def event_create(
    *,
    actor: User,
    campaign: Campaign,
    drive: CatalogItem,
    title: str,
    date: dt.date,
    unit: Unit,
    people_reached: int,
    leaflets: dict[int, int],
    co_units: list[Unit] = (),
    officers: list[Personnel] = (),
    place: Any = None,
    place_text: str = "",
    latitude: Any = None,
    longitude: Any = None,
    photos: list[Any] = (),
) -> DriveEvent:
    """Record one event of a drive. Every unit, officer and place must lie in the actor's
    scope; the leaflets must be the campaign's; quantities are bounded."""
    if not may_record_event(actor, unit):
        raise PermissionDenied(_("You may not record events for this unit."))
    errors = _scope_errors(actor, co_units, officers, place)
    title = (title or "").strip()
    if not title:
        errors["title"] = _("Say what was done.")
    if drive.kind != CatalogItem.Kind.DRIVE or drive.campaign_id != campaign.pk:
        errors["drive"] = _("Choose a drive of this campaign.")
    if date > timezone.localdate():
        errors["date"] = _("An event is recorded once it has taken place.")
    if not 0 <= people_reached <= MAX_PEOPLE:
        errors["people_reached"] = _("Enter the number of people reached.")
    known = set(
        CatalogItem.objects.filter(campaign=campaign, kind=CatalogItem.Kind.LEAFLET).values_list(
            "pk", flat=True
        )
    )
    if any(item not in known for item in leaflets):
        errors["leaflets"] = _("Choose leaflets of this campaign.")
    if any(not 0 <= q <= MAX_LEAFLETS for q in leaflets.values()):
        errors["leaflets"] = _("Enter how many leaflets were handed out (0–100,000).")
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = _("At most %(n)d photos.") % {"n": MAX_PHOTOS}
    lat = _coordinate(latitude, 90, "latitude", errors)
    lng = _coordinate(longitude, 180, "longitude", errors)
    extensions = []
    for photo in photos:
        try:
            extensions.append(photo_check(photo))
        except ValidationError as exc:
            errors["photos"] = " ".join(exc.message_dict["photo"])
    if errors:
        raise ValidationError(errors)
    event = DriveEvent.objects.create(
        campaign=campaign,
        drive=drive,
        title=title[:200],
        date=date,
        unit=unit,
        unit_path=unit.path,
        place=place,
        place_text=(place_text or (str(place) if place else "")).strip()[:200],
        latitude=lat,
        longitude=lng,
        people_reached=people_reached,
        created_by=actor,
    )
    event.co_units.set(co_units)
    event.officers.set(officers)
    EventLeaflet.objects.bulk_create(
        EventLeaflet(event=event, item_id=item, quantity=q) for item, q in leaflets.items() if q
    )
    for photo, extension in zip(photos, extensions, strict=True):
        row = EventPhoto(
            event=event, token=secrets.token_hex(8), extension=extension, size=photo.size
        )
        row.image.save(f"{row.token}{extension}", photo, save=False)
        row.save()
    return event
