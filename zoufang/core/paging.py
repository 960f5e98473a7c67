from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def paginate(request: HttpRequest, qs: QuerySet, per_page: int | None = None) -> Page:
    """A numbered page with the list's total: for lists bounded by nature (a beat's tasks,
    a county's reports). A list that grows with the city uses `paginate_uncounted`."""
    paginator = Paginator(qs, per_page or settings.ZOUFANG["PAGE_SIZE"])
    return paginator.get_page(request.GET.get("page"))


@dataclass
class UncountedPage:
    """A page without a total: its cost is the page's, whatever the size of the list (a
    city's registry, its people). `core/pager.html` shows previous / next for it."""

    rows: list[Any]
    number: int
    has_next: bool
    uncounted: bool = True

    @property
    def object_list(self) -> list[Any]:
        return self.rows

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)


MAX_PAGE = 10_000  # deeper than anyone pages by hand; the offset scan stays bounded


def paginate_uncounted(
    request: HttpRequest, qs: QuerySet, per_page: int | None = None
) -> UncountedPage:
    """One page of `qs` and whether another follows (one row more is read), never a count."""
    per_page = per_page or settings.ZOUFANG["PAGE_SIZE"]
    try:
        number = min(MAX_PAGE, max(1, int(request.GET.get("page", 1))))
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * per_page
    rows = list(qs[start : start + per_page + 1])
    return UncountedPage(rows=rows[:per_page], number=number, has_next=len(rows) > per_page)


def render_results(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """A list page: whole on a normal request; only its `results` partial when HTMX asks
    (a filter or search typed on the page replaces the results, not the page)."""
    return render(request, f"{template}#results" if request.htmx else template, context)
