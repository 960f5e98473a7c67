"""The patrol's part of the supervision score: a unit's completed visits that no confirmed
flag points at, as a share (0–100). Registered into `supervision.scoring` when the app starts,
so the score, the accountability list and the key-deepening proposals all count confirmed
flags (supervision sits below patrol and never imports it)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from zoufang.patrol.selectors import confirmed_flag_counts
from zoufang.supervision.components import by_unit
from zoufang.supervision.scoring import register_component
from zoufang.visits.models import Visit


def clean_work(campaign: Any, units: list[Any]) -> dict[int, float]:
    """100 × (1 − confirmed flags / completed visits) per unit; a unit with no completed
    visit has no figure. A flag on a team or unit (idle team, hanging findings) counts as
    one flagged visit."""
    visits = by_unit(
        Visit.objects.filter(campaign=campaign, outcome="visited"), units, n=Count("pk")
    )
    flags = confirmed_flag_counts(campaign, units)
    out = {}
    for unit_id, row in visits.items():
        if row["n"]:
            share = min(flags.get(unit_id, 0), row["n"]) / row["n"]
            out[unit_id] = round(100 * (1 - share), 2)
    return out


def register() -> None:
    register_component(
        "patrol_flags",
        _("Visits without confirmed patrol flags"),
        clean_work,
        10,
        drill=lambda unit: f"/patrol/?unit={unit.pk}&state=confirmed",
        weak_below=90,
        description=_("1 − confirmed patrol flags / completed visits"),
    )
