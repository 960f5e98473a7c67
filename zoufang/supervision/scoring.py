"""The score's components: a registry the apps fill at start-up.

A component answers one question for a campaign and a list of units: "how well, 0–100?"
(`fn(campaign, units) -> {unit_id: value}`; a unit with no data is left out, and its score is
the weighted mean of the components it has). Supervision registers the ones it can compute
from the apps below it (`supervision.components`); an app above it (the online patrol's
confirmed flags) registers its own in its `AppConfig.ready()`:

    from zoufang.supervision.scoring import register_component
    register_component("patrol_flags", _("Confirmed patrol flags"), flags_score, 10,
                       drill=lambda unit: f"/patrol/?unit={unit.pk}&state=confirmed",
                       weak_below=80)

Components that read the same rows (the findings' timeliness, resolution and satisfaction
are three ratios of one grouped query) share it through `shared(key, build)`: within one
`compute` the first asks and the others reuse the answer; called on its own, a component
simply runs its query.

The same registry feeds the accountability list and the key-deepening proposals: a component
with `weak_below` names the units under that value as weak, with the value as evidence.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zoufang.campaigns.models import Campaign
    from zoufang.org.models import Unit

ComponentFn = Callable[["Campaign", list["Unit"]], dict[int, float]]


@dataclass(frozen=True)
class Component:
    key: str
    label: Any  # a lazy translation
    fn: ComponentFn
    default_weight: int
    # Where the records behind a unit's value are: unit -> URL (drill-down from the table).
    drill: Callable[[Unit], str] | None = None
    # Units below this value are proposed for accountability and key deepening.
    weak_below: float | None = None
    description: Any = ""


_REGISTRY: dict[str, Component] = {}


def register_component(
    key: str,
    label: Any,
    fn: ComponentFn,
    default_weight: int,
    *,
    drill: Callable[[Unit], str] | None = None,
    weak_below: float | None = None,
    description: Any = "",
) -> Component:
    """Add (or replace, on a re-run of `ready()`) the component `key`."""
    if not 0 <= default_weight <= 100:
        raise ValueError(f"default weight of {key} must be 0–100, got {default_weight}")
    component = Component(key, label, fn, default_weight, drill, weak_below, description)
    _REGISTRY[key] = component
    return component


def unregister_component(key: str) -> None:
    _REGISTRY.pop(key, None)


def components() -> list[Component]:
    """Every registered component, in the order of registration."""
    return list(_REGISTRY.values())


def component(key: str) -> Component | None:
    return _REGISTRY.get(key)


def default_weights() -> dict[str, int]:
    return {c.key: c.default_weight for c in components()}


def weighted_score(values: dict[str, float], weights: dict[str, int]) -> float | None:
    """Σ wₖ·vₖ / Σ wₖ over the components the unit has a value for (None: no data at all).

    A unit without data for a component (no verification task drawn there yet) is judged on
    the others, re-weighted, rather than given 0 for what nobody measured.
    """
    total_weight = sum(weights.get(k, 0) for k in values)
    if total_weight <= 0:
        return None
    return round(sum(weights.get(k, 0) * v for k, v in values.items()) / total_weight, 2)


_SHARED: ContextVar[dict[Hashable, Any] | None] = ContextVar("score_shared", default=None)


def shared(key: Hashable, build: Callable[[], Any]) -> Any:
    """`build()`, run once per `compute` for the same key (the key names the query and its
    arguments, e.g. ("findings", campaign id, unit ids)); outside `compute`, run each time."""
    memo = _SHARED.get()
    if memo is None:
        return build()
    if key not in memo:
        memo[key] = build()
    return memo[key]


def compute(
    campaign: Campaign, units: Iterable[Unit], weights: dict[str, int]
) -> dict[int, dict[str, float]]:
    """{unit id: {component key: value}} for every component with a non-zero weight."""
    units = list(units)
    table: dict[int, dict[str, float]] = {u.pk: {} for u in units}
    token = _SHARED.set({})
    try:
        for c in components():
            if not weights.get(c.key):
                continue
            for unit_id, value in c.fn(campaign, units).items():
                if unit_id in table and value is not None:
                    table[unit_id][c.key] = round(float(value), 2)
    finally:
        _SHARED.reset(token)
    return table
