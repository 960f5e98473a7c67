"""The office's supervision settings per campaign, and their checks (bad input gets a clear
message, never a silent clamp)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zoufang.supervision import scoring
from zoufang.supervision.models import SupervisionSettings

if TYPE_CHECKING:
    from zoufang.campaigns.models import Campaign
    from zoufang.org.models import User

# field: (lowest, highest) accepted.
THRESHOLDS = {
    "start_by_day": (1, 60),
    "workload_iqr_factor": (Decimal("0.5"), Decimal("5")),
    "sample_percent": (Decimal("0.1"), Decimal("100")),
    "sample_min_per_unit": (0, 500),
    "inspection_visit_sample": (0, 200),
    "inspection_finding_sample": (0, 200),
}


def settings_for(campaign: Campaign) -> SupervisionSettings:
    obj, _created = SupervisionSettings.objects.get_or_create(
        campaign=campaign, defaults={"weights": scoring.default_weights()}
    )
    return obj


def weights_for(campaign: Campaign) -> dict[str, int]:
    """The office's weights (the defaults until it saves its own). A component registered
    after the office saved its weights counts 0 until the office gives it a weight, so the
    saved total of 100 holds."""
    saved = settings_for(campaign).weights or {}
    weights = {}
    for c in scoring.components():
        weights[c.key] = int(saved[c.key]) if c.key in saved else 0
    if not saved:
        weights = scoring.default_weights()
    return weights


def _number(field: str, raw: Any) -> Decimal:
    try:
        return Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter a number.")}) from None


def clean_thresholds(data: dict[str, Any]) -> dict[str, Any]:
    """The thresholds in `data` as numbers, each checked against its range."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for field, (low, high) in THRESHOLDS.items():
        if field not in data:
            continue
        try:
            value = _number(field, data[field])
        except ValidationError as exc:
            errors[field] = exc.message_dict[field][0]
            continue
        if not low <= value <= high:
            errors[field] = _(
                "Must be between %(low)s and %(high)s; %(value)s is out of range."
            ) % {
                "low": low,
                "high": high,
                "value": value,
            }
            continue
        cleaned[field] = value if isinstance(low, Decimal) else int(value)
        if not isinstance(low, Decimal) and value != int(value):
            errors[field] = _("Enter a whole number.")
    if errors:
        raise ValidationError(errors)
    return cleaned


def clean_weights(data: dict[str, Any]) -> dict[str, int]:
    """One whole weight 0–100 per registered component; together they make 100."""
    weights: dict[str, int] = {}
    errors: dict[str, str] = {}
    for c in scoring.components():
        raw = str(data.get(c.key, "0")).strip() or "0"
        if not raw.isdigit() or not 0 <= int(raw) <= 100:
            errors[c.key] = _("%(label)s: a weight is a whole number from 0 to 100.") % {
                "label": c.label
            }
            continue
        weights[c.key] = int(raw)
    if errors:
        raise ValidationError(errors)
    total = sum(weights.values())
    if total != 100:
        raise ValidationError(
            _("The weights add up to %(total)s; they must add up to 100.") % {"total": total}
        )
    return weights


@transaction.atomic
def settings_update(
    *, campaign: Campaign, actor: User, data: dict[str, Any]
) -> SupervisionSettings:
    """Save the thresholds and, when given, the weights; nothing is saved if any is wrong."""
    obj = settings_for(campaign)
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    try:
        cleaned = clean_thresholds(data)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    weights = None
    if any(c.key in data for c in scoring.components()):
        try:
            weights = clean_weights(data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                errors.update(exc.message_dict)
            else:
                errors["weights"] = exc.messages
    if errors:
        raise ValidationError(errors)
    for field, value in cleaned.items():
        setattr(obj, field, value)
    if weights is not None:
        obj.weights = weights
    obj.updated_by = actor
    obj.save()
    return obj
