"""Walk the site as one user: every item of the main menu, then the links within the site those
pages show, one page of each kind (a place, a person, a finding, a visit, a task, an import
job, a team, a unit…), bounded. A page added later is reached the same way, so the phone-width
check covers it without anyone listing it.

`page_kinds(get, start)` takes a `get(url) -> (status, html)` so the same walk runs on Django's
test client (the tests) and over HTTP (a look at the demo city)."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

# Not pages to look at: leaving, downloads, the API and its docs, files, the language switch.
SKIP = re.compile(
    r"^/(accounts/logout|api/|static/|media/|i18n/)"
    r"|[?&]export=|[?&]format=(pdf|png)|/report/?$|/download|/template|\.(xlsx|csv|png|jpg|pdf)$"
    # printed sheets: an A5 leaflet sheet (559 px, its phone form is the PNG) and a beat's batch PDF
    r"|^/outreach/leaflets/batch/|^/outreach/leaflets/\d+/sheet/"
    # Django's own admin: its pages are Django's, not ours (its index is still walked).
    r"|^/admin/.+"
)
MAX_PAGES = 100  # the menus grew (宣传, 大调研, 口袋书, the map): 60 no longer reached every kind
# Query keys that page or search within one kind of page.
IGNORED = {"page", "q", "next"}
_NUMBER = re.compile(r"\d+")
# Pages named by a slug rather than a number (the pocket book's chapters and entries).
_SLUG = re.compile(r"^(/pocketbook/(?:chapters|entries))/[^/]+/")
MAX_DEPTH = 4


class _Links(HTMLParser):
    """The `href` of every `<a>` and the `<nav class="navbar">`'s own links apart."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.nav: list[str] = []
        self._in_nav = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if (tag == "nav" and "navbar" in (a.get("class") or "")) or (tag == "nav" and self._in_nav):
            self._in_nav += 1
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
            if self._in_nav and "nav-link" in (a.get("class") or ""):
                self.nav.append(a["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav" and self._in_nav:
            self._in_nav -= 1


def links_of(html: str) -> tuple[list[str], list[str]]:
    """(main menu links, every link) of a page."""
    parser = _Links()
    parser.feed(html)
    return parser.nav, parser.links


def kind_of(url: str) -> str:
    """A page's kind: its path and query with every number as N (`/registry/places/17/` and
    `/registry/places/9/` are one kind; `?tab=reported` and `?tab=followup` are two)."""
    parts = urlsplit(url)
    pairs = sorted(
        {f"{k}={_NUMBER.sub('N', v)}" for k, v in parse_qsl(parts.query) if k not in IGNORED}
    )
    path = _NUMBER.sub("N", _SLUG.sub(r"\1/S/", parts.path))
    return path + ("?" + "&".join(pairs) if pairs else "")


def _inside(base: str, href: str) -> str | None:
    """The site-relative URL of `href` when it stays in the site and is worth walking."""
    if href.startswith(("#", "mailto:", "tel:", "javascript:")):
        return None
    url = urlsplit(urljoin(base, href))
    if url.scheme not in ("http", "https", "") or (url.netloc and url.netloc != "testserver"):
        return None
    local = url.path + ("?" + url.query if url.query else "")
    return None if SKIP.search(local) else local


def page_kinds(
    get: Callable[[str], tuple[int, str]],
    start: str = "/",
    *,
    max_pages: int = MAX_PAGES,
    max_depth: int = MAX_DEPTH,
) -> dict[str, str]:
    """{kind: first URL of that kind} reachable from `start`'s main menu, breadth first."""
    status, html = get(start)
    assert status == 200, (start, status)
    nav, _all = links_of(html)
    assert nav, f"{start} has no main menu"
    seen: dict[str, str] = {kind_of(start): start}
    queue: list[tuple[str, int]] = [(start, 0)]
    for href in nav:
        url = _inside(start, href)
        if url and kind_of(url) not in seen:
            seen[kind_of(url)] = url
            queue.append((url, 1))
    while queue and len(seen) <= max_pages:
        url, depth = queue.pop(0)
        if depth >= max_depth:
            continue
        status, html = get(url)
        if status != 200:
            continue
        for href in links_of(html)[1]:
            link = _inside(url, href)
            if link and kind_of(link) not in seen and len(seen) < max_pages:
                seen[kind_of(link)] = link
                queue.append((link, depth + 1))
    return seen
