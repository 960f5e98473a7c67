from __future__ import annotations

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def paginate(request: HttpRequest, qs: QuerySet, per_page: int | None = None) -> Page:
    paginator = Paginator(qs, per_page or settings.ZOUFANG["PAGE_SIZE"])
    return paginator.get_page(request.GET.get("page"))


def render_results(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """A list page: whole on a normal request; only its `results` partial when HTMX asks
    (a filter or search typed on the page replaces the results, not the page)."""
    return render(request, f"{template}#results" if request.htmx else template, context)
