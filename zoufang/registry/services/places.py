"""Places (addresses): created on a beat, their address parts changed with history."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zoufang.org.models import Unit
from zoufang.registry import normalize as norm
from zoufang.registry.models import Household, Place
from zoufang.registry.services.history import Changed, Changes, Edit, apply_changes, write_history


def _require_beat(beat: Unit) -> None:
    if beat.level != Unit.Level.BEAT:
        raise ValidationError({"beat": _("Places belong to a community or village beat.")})


PLACE_FIELDS = {
    "name",
    "road",
    "house_number",
    "building",
    "entrance",
    "room",
    "shop_kind",
    "enterprise_category",
    "key_place_kind",
    "latitude",
    "longitude",
    "is_active",
}


@transaction.atomic
def place_create(
    *,
    beat: Unit,
    kind: str,
    address_code: str = "",
    by: Edit,
    **fields: Any,
) -> Place:
    _require_beat(beat)
    fields = {k: norm.clean_text(v) if isinstance(v, str) else v for k, v in fields.items()}
    place = Place(beat=beat, unit_path=beat.path, kind=kind, **fields)
    place.address = place.compose_address()
    place.address_code = norm.clean_compact(address_code) or norm.address_code(
        beat.code, place.road, place.house_number, place.building, place.entrance, place.room
    )
    if Place.objects.filter(address_code=place.address_code).exists():
        raise ValidationError({"address_code": _("This address is already in the registry.")})
    place.full_clean(exclude=["unit_path"])
    place.save()
    if kind == Place.Kind.DWELLING:
        Household.objects.create(place=place, unit_path=place.unit_path)
    write_history(place, entity="place", changed=[("", "", place.address)], by=by)
    return place


@transaction.atomic
def place_update(place: Place, changes: Changes, by: Edit) -> Changed:
    changed = apply_changes(place, changes, PLACE_FIELDS)
    if changed:
        new_address = place.compose_address()
        if new_address != place.address:
            changed.append(("address", place.address, new_address))
            place.address = new_address
        place.save(update_fields=[c[0] for c in changed] + ["updated_at"])
        write_history(place, entity="place", changed=changed, by=by)
    return changed
