"""A visit's answers onto the registry (`registry_apply`), with the visit as the source."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zoufang.registry.models import Enterprise, Household, Place, Shop
from zoufang.registry.services.history import Edit
from zoufang.registry.services.households import household_update, householder_set
from zoufang.registry.services.orgs import enterprise_update, shop_update


@transaction.atomic
def registry_apply(place: Place, answers: Mapping[str, Any], by: Edit) -> dict[str, list]:
    """Apply a visit form's answers keyed by their `registry` names
    (householder.name, household.rented, shop.business_scope, enterprise.category,
    org.key_items …) to the registry records at `place`, with history. Returns the changes
    per record type. Unknown keys raise ValidationError (a form/registry mismatch is a bug)."""
    groups: dict[str, dict[str, Any]] = {}
    for key, value in answers.items():
        head, _sep, field = key.partition(".")
        groups.setdefault(head, {})[field] = value
    done: dict[str, list] = {}
    if "householder" in groups or "household" in groups:
        household = Household.objects.filter(place=place).first()
        if household is None:
            raise ValidationError(_("This place has no household."))
        if "householder" in groups:
            householder_set(household=household, changes=groups.pop("householder"), by=by)
            done["householder"] = [True]
        if "household" in groups:
            done["household"] = household_update(
                household=household, changes=groups.pop("household"), by=by
            )
    org_flags = groups.pop("org", {})
    for entity, model, update, kind in (
        ("shop", Shop, shop_update, Place.Kind.SHOP),
        ("enterprise", Enterprise, enterprise_update, Place.Kind.ENTERPRISE),
    ):
        own = groups.pop(entity, {})
        if own or (org_flags and place.kind == kind):
            done[entity] = update(
                **{entity: model.objects.get(place=place)}, changes={**own, **org_flags}, by=by
            )
    if groups:
        raise ValidationError(_("Unknown registry keys: %(k)s") % {"k": ", ".join(sorted(groups))})
    return done
