"""Which units are weak, and why: the inputs of the accountability list and of the
key-deepening proposals. Every registered score component with a `weak_below` threshold
counts (so a component an upper app registers — the patrol's confirmed flags — counts too),
plus two figures of the findings: hanging work (棚架: open findings past their deadline) and
hazards per 1,000 households."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from zoufang.findings.models import OPEN_STATES, Finding
from zoufang.registry.models import Household
from zoufang.supervision import scoring
from zoufang.supervision.components import by_unit

if TYPE_CHECKING:
    from zoufang.campaigns.models import Campaign
    from zoufang.org.models import Unit

# Hazards per 1,000 households above this are "prominent" (隐患相对突出).
HAZARDS_PER_1000 = 5.0


@dataclass
class UnitFigures:
    unit: Unit
    values: dict[str, float] = field(default_factory=dict)
    households: int = 0
    hazards: int = 0
    overdue: int = 0
    reasons: list[dict] = field(default_factory=list)

    @property
    def hazards_per_1000(self) -> float | None:
        return round(1000 * self.hazards / self.households, 2) if self.households else None

    @property
    def weakness(self) -> float:
        """How weak, for ordering: each reason counts, and how far below its threshold."""
        return round(sum(r["gap"] for r in self.reasons), 2)


def unit_figures(campaign: Campaign, units: list[Unit]) -> list[UnitFigures]:
    every = {c.key: 1 for c in scoring.components()}
    table = scoring.compute(campaign, units, every)
    findings = by_unit(
        Finding.objects.filter(campaign=campaign),
        units,
        hazards=Count("pk", filter=Q(kind__code="hazard") | Q(kind__parent__code="hazard")),
        overdue=Count("pk", filter=Q(state__in=OPEN_STATES, is_overdue=True)),
    )
    households = by_unit(Household.objects.all(), units, n=Count("pk"))
    out = []
    for u in units:
        f = UnitFigures(
            unit=u,
            values=table[u.pk],
            households=households.get(u.pk, {}).get("n", 0),
            hazards=findings.get(u.pk, {}).get("hazards", 0),
            overdue=findings.get(u.pk, {}).get("overdue", 0),
        )
        f.reasons = _reasons(f)
        out.append(f)
    return out


def _reasons(f: UnitFigures) -> list[dict]:
    reasons = []
    for c in scoring.components():
        value = f.values.get(c.key)
        if c.weak_below is not None and value is not None and value < c.weak_below:
            reasons.append(
                {
                    "key": c.key,
                    "label": str(c.label),
                    "value": value,
                    "threshold": c.weak_below,
                    "gap": round((c.weak_below - value) / max(c.weak_below, 1) * 100, 2),
                }
            )
    if f.overdue:
        reasons.append(
            {
                "key": "overdue",
                "label": _("Findings left hanging past their deadline (棚架)"),
                "value": f.overdue,
                "threshold": 0,
                "gap": float(min(100, 10 * f.overdue)),
            }
        )
    per_1000 = f.hazards_per_1000
    if per_1000 is not None and per_1000 > HAZARDS_PER_1000:
        reasons.append(
            {
                "key": "hazards",
                "label": _("Hazards per 1,000 households"),
                "value": per_1000,
                "threshold": HAZARDS_PER_1000,
                "gap": round(min(100, (per_1000 - HAZARDS_PER_1000) * 10), 2),
            }
        )
    return reasons


def evidence_text(reasons: list[dict]) -> str:
    return "; ".join(
        f"{r['label']}: {r['value']} ({_('threshold')} {r['threshold']})" for r in reasons
    )


def reason_label(key: str, fallback: str = "") -> str:
    """A reason's label in the reader's language (stored reasons keep their key)."""
    c = scoring.component(key)
    if c is not None:
        return str(c.label)
    fixed = {
        "overdue": _("Findings left hanging past their deadline (棚架)"),
        "hazards": _("Hazards per 1,000 households"),
    }
    return str(fixed.get(key, fallback or key))


def relabel(reasons: list[dict]) -> list[dict]:
    return [{**r, "label": reason_label(r.get("key", ""), r.get("label", ""))} for r in reasons]
