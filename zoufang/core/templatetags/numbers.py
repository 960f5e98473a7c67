"""Numbers as people read them: a share as a percentage ("86.7%"), never as 0.867."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(share: float | None, digits: int = 1) -> str:
    """A share between 0 and 1 as a percentage with `digits` decimals; "—" when unknown."""
    if share is None or share == "":
        return "—"
    return f"{number_format(round(float(share) * 100, digits), digits)}%"


@register.simple_tag
def share_of(part: int | None, whole: int | None, digits: int = 1) -> str:
    """`part` of `whole` as a percentage ("27.9%"); "—" when the whole is nothing."""
    if not whole:
        return "—"
    return percent((part or 0) / whole, digits)
