"""Public satisfaction as a part of the supervision score: the share of the public's ratings
(on the public page) that are satisfied or basically satisfied, per unit; a unit with no
rating has no figure, so its score rests on the other parts. Registered into
`supervision.scoring` when the app starts (supervision sits below outreach).

Its default weight is 0: the office's weights must add up to 100, and the built-in parts
already do; the office gives this part its weight on the score settings page once ratings
come in (docs/decisions/0022-satisfaction-three-figures.md)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from zoufang.outreach import selectors
from zoufang.supervision.scoring import register_component


def public_satisfaction(campaign: Any, units: list[Any]) -> dict[int, float]:
    rows = selectors.satisfaction(campaign, units)
    return {r.unit.pk: r.public.share for r in rows if r.public.share is not None}


def register() -> None:
    register_component(
        "public_satisfaction",
        _("Public satisfaction (public page)"),
        public_satisfaction,
        0,
        drill=lambda unit: f"/outreach/satisfaction/?unit={unit.pk}",
        weak_below=80,
        description=_("Ratings on the public page: satisfied or basically satisfied / ratings"),
    )
