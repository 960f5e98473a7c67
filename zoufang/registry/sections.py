"""Sections the apps above the registry add to its pages: an address lists its visit tasks,
visits and findings, a person the visits that met them.

The registry sits below visits and findings (decision 0004) and must not import them, so each
of those apps registers its sections here when it is ready (`AppConfig.ready`), as findings'
`links.py` lets visits answer for visit ids. A section brings its own template and a function
that returns its rows for a user and a record, already scoped to what that user may see; the
registry pages each section on its own (`?<key>_page=N`) and never learns what the rows are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest

# The registry pages that take sections.
TARGETS = ("place", "person")
PER_PAGE = 10


@dataclass(frozen=True)
class Section:
    key: str  # unique per page; also the page parameter's prefix
    title: Any  # a lazy translation
    template: str  # rendered with `section` (this, with its `page`) in the context
    rows: Callable[[Any, Any], Any]  # (user, record) -> a queryset scoped to the user
    order: int = 0


_sections: dict[str, dict[str, Section]] = {target: {} for target in TARGETS}


def register(target: str, section: Section) -> None:
    """Add (or replace, by key) a section of the `target` page."""
    if target not in _sections:
        raise ValueError(f"no registry page {target!r}")
    _sections[target][section.key] = section


def sections_for(target: str, request: HttpRequest, record: Any) -> list[dict[str, Any]]:
    """The page's sections for the request's user, each with one page of its rows."""
    out = []
    for section in sorted(_sections[target].values(), key=lambda s: (s.order, s.key)):
        param = f"{section.key}_page"
        page = Paginator(section.rows(request.user, record), PER_PAGE).get_page(
            request.GET.get(param)
        )
        out.append(
            {
                "key": section.key,
                "title": section.title,
                "template": section.template,
                "page": page,
                "param": param,
            }
        )
    return out
