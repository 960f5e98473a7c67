from __future__ import annotations

from zoufang.visits.tests.conftest import (  # noqa: F401 - fixtures
    _fresh_catalog_caches,
    _media,
    catalog,
    places,
    tasks,
)
