"""The campaign's visit forms and publicity catalog, kept a minute per process: every
submission checks against them and the office edits them rarely."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from zoufang.campaigns.models import CatalogItem, VisitForm

_CACHE_SECONDS = 60
_catalog_cache: dict[int, tuple[float, Any]] = {}
_form_cache: dict[int, tuple[float, Any]] = {}


def _cached(cache: dict[int, tuple[float, Any]], campaign_id: int, load: Callable[[], Any]) -> Any:
    """`load()` for this campaign, reused for a minute in this process."""
    now = time.monotonic()
    hit = cache.get(campaign_id)
    if hit is None or now - hit[0] >= _CACHE_SECONDS:
        hit = (now, load())
        cache[campaign_id] = hit
    return hit[1]


def visit_form(campaign_id: int, visit_kind: str) -> VisitForm | None:
    """The campaign's form for this kind of visit. A visit records the form version it was
    checked against."""
    forms = _cached(
        _form_cache, campaign_id, lambda: list(VisitForm.objects.filter(campaign_id=campaign_id))
    )
    for form in forms:
        if visit_kind in (form.applies_to or []):
            return form
    return None


def publicity_catalog(campaign_id: int) -> dict[tuple[str, str], CatalogItem]:
    """The campaign's active topics, leaflets and inspection focuses by (kind, code)."""
    return _cached(
        _catalog_cache,
        campaign_id,
        lambda: {
            (i.kind, i.code): i
            for i in CatalogItem.objects.filter(
                campaign_id=campaign_id,
                kind__in=[
                    CatalogItem.Kind.TOPIC,
                    CatalogItem.Kind.LEAFLET,
                    CatalogItem.Kind.FOCUS,
                ],
                is_active=True,
            )
        },
    )


def catalog_caches_clear() -> None:
    """Forget the cached forms and catalogs (tests; after editing them, to skip the minute)."""
    _form_cache.clear()
    _catalog_cache.clear()
