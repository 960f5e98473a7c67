"""Households and persons: household fields (use, landlord), persons (ID number and phone
encrypted, history masked, 人户分离 derived), the householder."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zoufang.registry import normalize as norm
from zoufang.registry.crypto import decrypt, encrypt, lookup_hash
from zoufang.registry.models import Household, Person
from zoufang.registry.services.history import (
    Changed,
    Changes,
    Edit,
    apply_changes,
    parsed,
    set_phone,
    write_history,
)

HOUSEHOLD_FIELDS = {"use", "tenants", "separated", "landlord_name"}


@transaction.atomic
def household_update(household: Household, changes: Changes, by: Edit) -> Changed:
    """Update a household. Besides its own fields it takes the visit form's yes/no answers
    `rented` and `borrowed_empty` (they set `use`), and `landlord_phone` (encrypted)."""
    changes = dict(changes)
    rented = changes.pop("rented", None)
    borrowed = changes.pop("borrowed_empty", None)
    if rented is True:
        changes["use"] = Household.Use.RENTED
    elif borrowed is True:
        changes["use"] = Household.Use.BORROWED
    elif (rented is False and household.use == Household.Use.RENTED) or (
        borrowed is False and household.use == Household.Use.BORROWED
    ):
        changes["use"] = Household.Use.OWNER
    phone = changes.pop("landlord_phone", None)
    changed = apply_changes(household, changes, HOUSEHOLD_FIELDS)
    if phone is not None:
        phone = parsed("landlord_phone", norm.parse_phone, phone)
        if phone != decrypt(household.landlord_phone_enc):
            old = household.landlord_phone_masked
            household.landlord_phone_enc = encrypt(phone)
            household.landlord_phone_masked = norm.mask_phone(phone)
            household.landlord_phone_hash = lookup_hash(phone)
            changed.append(("landlord_phone", old, household.landlord_phone_masked))
    if "use" in changes and household.use not in Household.Use.values:
        raise ValidationError({"use": _("Unknown use of the house.")})
    if changed:
        fields = {c[0] for c in changed}
        if "landlord_phone" in fields:
            fields = (fields - {"landlord_phone"}) | {
                "landlord_phone_enc",
                "landlord_phone_masked",
                "landlord_phone_hash",
            }
        household.save(update_fields=[*fields, "updated_at"])
        write_history(household, entity="household", changed=changed, by=by)
    return changed


PERSON_FIELDS = {"name", "registered_address", "actual_address", "relation", "living_since"}


def _set_id_number(person: Person, value: str) -> tuple[str, Any, Any] | None:
    number, sex, birth = parsed("id_number", norm.parse_id_number, value)
    digest = lookup_hash(number)
    if digest == person.id_hash:
        return None
    clash = Person.objects.filter(id_hash=digest).exclude(pk=person.pk).first()
    if clash is not None:
        raise ValidationError({"id_number": _("Another person has this ID number.")})
    old = person.id_masked
    person.id_enc, person.id_hash, person.id_masked = encrypt(number), digest, norm.mask_id(number)
    person.sex, person.birth_date = sex, birth
    person.region_unknown = not norm.id_region_known(number)
    return ("id_number", old, person.id_masked)


def _derive_separated(person: Person) -> tuple[str, Any, Any] | None:
    actual = person.actual_address
    if not actual and person.household_id:
        actual = person.household.place.address
    separated = norm.is_separated(person.registered_address, actual)
    if separated != person.separated:
        old, person.separated = person.separated, separated
        return ("separated", old, separated)
    return None


@transaction.atomic
def person_save(
    *,
    person: Person | None,
    changes: Changes,
    household: Household | None = None,
    by: Edit,
) -> Person:
    """Create (person=None) or update a person. `changes` may hold `id_number` and `phone`
    in clear; they are stored encrypted, and their history is kept masked. 人户分离 is
    derived from the registered and actual residence."""
    creating = person is None
    changes = dict(changes)
    id_number = changes.pop("id_number", None)
    phone = changes.pop("phone", None)
    if creating:
        if household is None:
            raise ValidationError(_("A new person belongs to a household."))
        if id_number:
            existing = Person.objects.with_id_number(str(id_number)).first()
            if existing is not None:
                person, creating = existing, False
        if creating:
            person = Person(household=household, unit_path=household.unit_path)
    elif household is not None and person.household_id != household.pk:
        changes["household"] = household
    changed: Changed = []
    if "household" in changes:
        new_household = changes.pop("household")
        changed.append(("household", person.household, new_household))
        person.household, person.unit_path = new_household, new_household.unit_path
    changed += apply_changes(person, changes, PERSON_FIELDS)
    if id_number is not None and (c := _set_id_number(person, str(id_number))):
        changed.append(c)
    if phone is not None and (c := set_phone(person, "phone", str(phone))):
        changed.append(c)
    if (c := _derive_separated(person)) is not None:
        changed.append(c)
    if not person.name:
        raise ValidationError({"name": _("A person needs a name.")})
    if not changed and not creating:
        return person
    person.save()
    if creating:
        changed = [("", "", person.name)]
    write_history(person, entity="person", changed=changed, by=by)
    if person.household_id:
        _refresh_household_separated(person.household, by=by)
    return person


def _refresh_household_separated(household: Household, *, by: Edit) -> None:
    separated = household.residents.filter(separated=True).exists()
    if separated != household.separated:
        household_update(household=household, changes={"separated": separated}, by=by)


@transaction.atomic
def householder_set(household: Household, changes: Changes, by: Edit) -> Person:
    """Set or correct the householder (户主): `changes` has name, id_number, phone. A known ID
    number picks that person; otherwise the current householder is corrected, or created."""
    changes = {k: v for k, v in changes.items() if v not in (None, "")}
    person = household.householder
    if changes.get("id_number"):
        found = Person.objects.with_id_number(str(changes["id_number"])).first()
        if found is not None:
            person = found
    person = person_save(
        person=person,
        changes={**changes, "relation": Person.Relation.HOUSEHOLDER},
        household=household,
        by=by,
    )
    if household.householder_id != person.pk:
        old = household.householder
        household.householder = person
        household.save(update_fields=["householder", "updated_at"])
        write_history(household, entity="household", changed=[("householder", old, person)], by=by)
    return person
