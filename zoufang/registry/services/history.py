"""What every registry service shares: setting plain fields (`apply_changes`) and phones
(`set_phone`), and writing the history rows (`write_history`, one Change per changed field)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from zoufang.registry import normalize as norm
from zoufang.registry.crypto import encrypt, lookup_hash
from zoufang.registry.models import Change

if TYPE_CHECKING:
    from zoufang.org.models import User

Source = Change.Source
T = TypeVar("T")
# What a service is asked to change (field -> new value), and what it did change: one
# (field, old, new) triple per field, the same triples the history rows record.
Changes = Mapping[str, Any]
Changed = list[tuple[str, Any, Any]]


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    return str(value)


@dataclass(frozen=True)
class Edit:
    """Who changes the registry, through what (`Change.Source`: a page, an import, a visit),
    and the record behind it (`visit:123`, an import job). Every service that changes a
    record takes one and writes it onto each history row."""

    actor: User | None
    source: str = Source.MANUAL
    reference: str = ""


def write_history(obj: models.Model, *, entity: str, changed: Changed, by: Edit) -> None:
    Change.objects.bulk_create(
        Change(
            entity=entity,
            object_id=obj.pk,
            unit_path=obj.unit_path,
            field=field,
            old=_display(old),
            new=_display(new),
            actor=by.actor,
            source=by.source,
            reference=by.reference,
        )
        for field, old, new in changed
    )


def apply_changes(
    obj: models.Model, changes: Mapping[str, Any], allowed: set[str]
) -> list[tuple[str, Any, Any]]:
    """Set plain fields that differ; returns (field, old, new) for each."""
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    changed = []
    for field, new in changes.items():
        if isinstance(new, str):
            new = norm.clean_text(new)
        old = getattr(obj, field)
        if old != new:
            setattr(obj, field, new)
            changed.append((field, old, new))
    return changed


def parsed(field: str, parse: Callable[[Any], T], value: Any) -> T:
    """`parse(value)`; a value the parser refuses is the field's validation error, with the
    parser's reason as the message the form shows."""
    try:
        return parse(value)
    except norm.Bad as exc:
        raise ValidationError({field: str(exc)}) from exc


def set_phone(obj: models.Model, field: str, value: Any) -> tuple[str, Any, Any] | None:
    """Set the phone `field` of `obj` (its `_enc`, `_hash` and `_masked` columns) from a
    value typed in clear, when it is another number (by its hash); returns the history
    triple, masked, or None when nothing changed."""
    phone = parsed(field, norm.parse_phone, value)
    digest = lookup_hash(phone)
    if digest == getattr(obj, f"{field}_hash"):
        return None
    old = getattr(obj, f"{field}_masked")
    setattr(obj, f"{field}_enc", encrypt(phone))
    setattr(obj, f"{field}_hash", digest)
    setattr(obj, f"{field}_masked", norm.mask_phone(phone))
    return (field, old, getattr(obj, f"{field}_masked"))
