"""Key persons (重点人员) and key items (重点物品) set from the pages."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from zoufang.registry.models import KeyItem, KeyPerson, Person, Place
from zoufang.registry.services.history import Edit, apply_changes, write_history


@transaction.atomic
def key_person_set(
    *,
    person: Person,
    category: str,
    control_level: str,
    note: str = "",
    by: Edit,
) -> KeyPerson:
    record = KeyPerson.objects.filter(person=person).first()
    if record is None:
        record = KeyPerson.objects.create(
            person=person,
            unit_path=person.unit_path,
            category=category,
            control_level=control_level,
            note=note,
        )
        write_history(record, entity="key_person", changed=[("", "", category)], by=by)
        return record
    changed = apply_changes(
        record,
        {"category": category, "control_level": control_level, "note": note},
        {"category", "control_level", "note"},
    )
    if changed:
        record.full_clean(exclude=["person", "unit_path"])
        record.save()
        write_history(record, entity="key_person", changed=changed, by=by)
    return record


@transaction.atomic
def key_person_clear(*, person: Person, by: Edit) -> bool:
    """The person is no longer a key person; the history keeps what the record said."""
    record = KeyPerson.objects.filter(person=person).first()
    if record is None:
        return False
    write_history(
        record,
        entity="key_person",
        changed=[("category", record.get_category_display(), "")],
        by=by,
    )
    record.delete()
    return True


@transaction.atomic
def key_item_create(*, place: Place, by: Edit, **fields: Any) -> KeyItem:
    item = KeyItem(place=place, unit_path=place.unit_path, **fields)
    item.full_clean(exclude=["unit_path"])
    item.save()
    write_history(item, entity="key_item", changed=[("", "", item.name)], by=by)
    return item
