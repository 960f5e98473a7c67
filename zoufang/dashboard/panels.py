"""The dashboard's panel slots: the places on the dashboard that other apps fill.

An app adds a panel by declaring, in a module `<app>/dashboard_panels.py`, a list `PANELS` of
`Panel`-shaped dicts (or `Panel` instances, if the app sits above the dashboard):

    PANELS = [{
        "slot": "supervision",             # one of SLOTS
        "title": gettext_lazy("Patrol flags"),
        "template": "dashboard/_panel.html", # or the app's own template
        "context": panel_context,          # (user, unit, campaign) -> dict, or None to hide
        "order": 10,
    }]

The dashboard finds them with Django's `autodiscover_modules`, so a lower app (supervision,
patrol, outreach, research) never imports the dashboard; its `context` function gets the unit
the user is looking at (already checked to be in the user's scope) and must scope every read
to that unit's subtree. `dashboard/_panel.html` renders a context `{"rows": [(label, value,
url)]}` under the panel's title. A slot with no panel shows nothing.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

# The named slots, in page order: supervision (patrol flags, verification, scores), public
# satisfaction (the public page), research (大调研 reports).
SLOTS = {
    "supervision": _("Supervision"),
    "satisfaction": _("Public satisfaction"),
    "research": _("Research"),
}


@dataclass(frozen=True)
class Panel:
    slot: str
    title: Any
    template: str
    context: Callable[..., dict[str, Any] | None]
    order: int = 100


_registry: list[Panel] = []
_discovered = False


def register(panel: Panel | dict[str, Any]) -> Panel:
    """Add a panel to its slot (apps above the dashboard may call this directly)."""
    p = panel if isinstance(panel, Panel) else Panel(**panel)
    if p.slot not in SLOTS:
        raise ValueError(f"unknown dashboard slot {p.slot!r}; the slots are {sorted(SLOTS)}")
    _registry.append(p)
    return p


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    _discovered = True
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.dashboard_panels")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.dashboard_panels":
                raise
            continue
        for panel in getattr(module, "PANELS", ()):
            register(panel)


def panels_for(user: Any, unit: Any, campaign: Any) -> list[dict[str, Any]]:
    """The slots with their panels' contexts, for the unit the user is looking at."""
    _discover()
    out = []
    for slot, label in SLOTS.items():
        filled = []
        for p in sorted((p for p in _registry if p.slot == slot), key=lambda p: p.order):
            context = p.context(user, unit, campaign)
            if context is not None:
                filled.append({"title": p.title, "template": p.template, "context": context})
        out.append({"slot": slot, "label": label, "panels": filled})
    return out
