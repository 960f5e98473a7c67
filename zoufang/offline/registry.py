"""What the offline app keeps on a phone, contributed by the apps themselves.

Any installed app may have an `offline.py` module holding
  - `offline_pages(user) -> Iterable[str]`: the URLs of pages this user reads offline (a
    visit app gives today's list and the form of each task on it);
  - `OFFLINE_STATIC`: the static files its field pages need (precached with the shell).
A page outside that convention is added by URL name in the setting `OFFLINE_PAGES` (reversed
without arguments), e.g. `OFFLINE_PAGES = ["knowledge:index"]`. The service worker asks
`/offline/pages.json` for the user's list; it never guesses URLs itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from functools import cache
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse

if TYPE_CHECKING:
    from zoufang.core.scope import User

# The shell every field page needs (base.html's files and the offline app's own).
SHELL_STATIC = [
    "vendor/bootstrap/bootstrap.min.css",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "vendor/bootstrap-icons/bootstrap-icons.min.css",
    "vendor/bootstrap-icons/fonts/bootstrap-icons.woff2",
    "vendor/htmx/htmx.min.js",
    "vendor/idb/idb.umd.js",
    "css/zoufang.css",
    "favicon.svg",
    "offline/store.js",
    "offline/offline.js",
    "offline/correct.js",
    "offline/outbox.js",
    "offline/icon-192.png",
    "offline/icon-512.png",
]


@cache
def offline_modules() -> tuple[ModuleType, ...]:
    """The installed apps' `offline` modules (an app without one contributes nothing), in the
    order of their OFFLINE_ORDER (default 50; lower first, so it survives the page limit)."""
    found = []
    for config in apps.get_app_configs():
        name = f"{config.name}.offline"
        try:
            found.append(import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:  # the module exists but fails to import: say so
                raise
    return tuple(sorted(found, key=lambda m: getattr(m, "OFFLINE_ORDER", 50)))


def _limit() -> int:
    return int(getattr(settings, "OFFLINE_MAX_PAGES", 80))


def offline_pages(user: User) -> list[str]:
    """The URLs this user's phone keeps for offline reading, at most OFFLINE_MAX_PAGES, in
    the order the apps give them (the most needed first)."""
    urls: list[str] = []
    for module in offline_modules():
        contribute = getattr(module, "offline_pages", None)
        if contribute is not None:
            urls.extend(contribute(user))
    for name in getattr(settings, "OFFLINE_PAGES", []):
        try:
            urls.append(reverse(name))
        except NoReverseMatch:
            continue  # an app named in the setting and not installed here
    seen: set[str] = set()
    unique = [u for u in urls if not (u in seen or seen.add(u))]
    return unique[: _limit()]


def _static_paths() -> list[str]:
    paths = list(SHELL_STATIC)
    for module in offline_modules():
        paths.extend(getattr(module, "OFFLINE_STATIC", []))
    return list(dict.fromkeys(paths))


@cache
def _revision(path: str) -> str | None:
    """A file's content hash: the precache's revision where its URL does not carry one (the
    development storage); None under the manifest storage, whose URLs change with the file."""
    found = finders.find(path)
    if not found:
        return None
    with open(found, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()[:16]


def precache_entries() -> list[dict[str, Any]]:
    """Workbox precache entries for the shell: {"url", "revision"}."""
    hashed = "Manifest" in settings.STORAGES["staticfiles"]["BACKEND"]
    return [
        {"url": static(p), "revision": None if hashed else _revision(p)} for p in _static_paths()
    ]


def sw_version(template_text: str, entries: Iterable[dict[str, Any]]) -> str:
    """The service worker's version: it changes when its code, a precached file or the
    setting OFFLINE_APP_VERSION changes, and the browser then installs the new worker."""
    seed = json.dumps(
        [template_text, list(entries), getattr(settings, "OFFLINE_APP_VERSION", "")],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(seed.encode()).hexdigest()[:12]
