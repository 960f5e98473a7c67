"""Shops and enterprises: created at a place of that kind, updated with history (credit code
unique, contact phone encrypted). Their plain fields are registry.fields'."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zoufang.registry import fields
from zoufang.registry import normalize as norm
from zoufang.registry.models import Enterprise, Place, Shop
from zoufang.registry.services.history import (
    Changed,
    Changes,
    Edit,
    apply_changes,
    parsed,
    set_phone,
    write_history,
)

SHOP_FIELDS = frozenset(fields.SHOP_FIELDS)
ENTERPRISE_FIELDS = frozenset(fields.ENTERPRISE_FIELDS)


def _org_update(
    org: Shop | Enterprise,
    *,
    entity: str,
    allowed: set[str],
    changes: Changes,
    by: Edit,
) -> Changed:
    changes = dict(changes)
    credit = changes.pop("credit_code", None)
    phone = changes.pop("contact_phone", None)
    changed = apply_changes(org, changes, allowed)
    if credit is not None:
        credit = parsed("credit_code", norm.parse_credit_code, credit)
        if credit != org.credit_code:
            if credit and type(org).objects.filter(credit_code=credit).exclude(pk=org.pk).exists():
                raise ValidationError({"credit_code": _("Another record has this credit code.")})
            changed.append(("credit_code", org.credit_code, credit))
            org.credit_code = credit
    if phone is not None and (c := set_phone(org, "contact_phone", phone)):
        changed.append(c)
    if changed:
        org.full_clean(exclude=["place", "unit_path"])
        org.save()
        write_history(org, entity=entity, changed=changed, by=by)
    return changed


@transaction.atomic
def shop_update(shop: Shop, changes: Changes, by: Edit) -> Changed:
    return _org_update(shop, entity="shop", allowed=SHOP_FIELDS, changes=changes, by=by)


@transaction.atomic
def enterprise_update(enterprise: Enterprise, changes: Changes, by: Edit) -> Changed:
    changes = dict(changes)
    if "category" in changes:
        changes["category"] = category_code(changes["category"])
    return _org_update(
        enterprise, entity="enterprise", allowed=ENTERPRISE_FIELDS, changes=changes, by=by
    )


CATEGORY_LABELS = {
    "党政机关": Place.EnterpriseCategory.GOVERNMENT,
    "医院学校": Place.EnterpriseCategory.HOSPITAL_SCHOOL,
    "金融通信": Place.EnterpriseCategory.FINANCE_TELECOM,
    "车站码头": Place.EnterpriseCategory.STATION_DOCK,
    "水电气热": Place.EnterpriseCategory.UTILITIES,
    "厂矿企业": Place.EnterpriseCategory.FACTORY_MINE,
    "其他": Place.EnterpriseCategory.OTHER,
}


def category_code(value: Any) -> str:
    """The visit form says 医院学校; the registry stores hospital_school."""
    text = norm.clean_text(value)
    if text in Place.EnterpriseCategory.values or not text:
        return text
    if text in CATEGORY_LABELS:
        return CATEGORY_LABELS[text]
    raise ValidationError({"category": _("Unknown enterprise category: %(v)s") % {"v": text}})


@transaction.atomic
def org_create(
    *,
    place: Place,
    name: str,
    changes: Changes | None = None,
    by: Edit,
) -> Shop | Enterprise:
    """The shop or enterprise at a place of that kind."""
    model = {Place.Kind.SHOP: Shop, Place.Kind.ENTERPRISE: Enterprise}.get(place.kind)
    if model is None:
        raise ValidationError(_("Only a shop or enterprise place has one."))
    org = model.objects.create(place=place, unit_path=place.unit_path, name=norm.clean_text(name))
    write_history(org, entity=model._meta.model_name, changed=[("", "", org.name)], by=by)
    if changes:
        update = shop_update if model is Shop else enterprise_update
        kwarg = "shop" if model is Shop else "enterprise"
        update(**{kwarg: org}, changes=changes, by=by)
    return org
