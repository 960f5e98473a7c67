"""Leaflet stock: issued to a unit by the managers above it (or a return, negative)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zoufang.campaigns.models import CatalogItem
from zoufang.outreach.access import may_issue
from zoufang.outreach.models import LeafletIssue

if TYPE_CHECKING:
    from zoufang.campaigns.models import Campaign
    from zoufang.org.models import Unit, User

MAX_ISSUE = 10_000_000


@transaction.atomic
def leaflet_issue(
    *,
    actor: User,
    campaign: Campaign,
    item: CatalogItem,
    unit: Unit,
    quantity: int,
    note: str = "",
) -> LeafletIssue:
    if not may_issue(actor, unit):
        raise PermissionDenied(_("You may not issue leaflets to this unit."))
    errors: dict[str, str] = {}
    if item.kind != CatalogItem.Kind.LEAFLET or item.campaign_id != campaign.pk:
        errors["item"] = _("Choose a leaflet of this campaign.")
    if quantity == 0 or abs(quantity) > MAX_ISSUE:
        errors["quantity"] = _("Enter how many were issued (negative for a return).")
    if errors:
        raise ValidationError(errors)
    return LeafletIssue.objects.create(
        campaign=campaign,
        item=item,
        unit=unit,
        unit_path=unit.path,
        quantity=quantity,
        note=(note or "").strip()[:200],
        issued_by=actor,
    )
