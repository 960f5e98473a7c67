"""Pocket book reads: chapters with their entries, an entry's versions, and the search (its
hits with the words found marked)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, QuerySet
from django.utils.safestring import SafeString

from zoufang.knowledge.models import ENTRY_PARTS, Chapter, Entry, EntryVersion
from zoufang.knowledge.search.highlight import mark, snippet
from zoufang.knowledge.search.query import Analysis, analyse, ranked_ids

SEARCH_LIMIT = 20


def chapter_list() -> QuerySet[Chapter]:
    return Chapter.objects.annotate(entry_count=Count("entries"))


def chapter_with_entries(chapter: Chapter) -> QuerySet[Entry]:
    return chapter.entries.only("slug", "title", "order", "chapter_id", "version", "updated_at")


def book() -> QuerySet[Chapter]:
    """Every chapter with its entries' titles (the contents page)."""
    return Chapter.objects.prefetch_related(
        Prefetch("entries", queryset=Entry.objects.only("slug", "title", "order", "chapter_id"))
    )


def entry_versions(entry: Entry) -> QuerySet[EntryVersion]:
    return entry.versions.select_related("saved_by").order_by("-version")


@dataclass
class Hit:
    entry: Entry
    score: float
    title: SafeString
    snippet: SafeString


@dataclass
class SearchResult:
    analysis: Analysis
    hits: list[Hit] = field(default_factory=list)


def entry_search(query: str, *, limit: int = SEARCH_LIMIT) -> SearchResult:
    analysis = analyse(query)
    ranked = ranked_ids(analysis, limit)
    entries = Entry.objects.select_related("chapter").in_bulk([pk for pk, _s in ranked])
    terms = analysis.highlight_terms
    hits = [
        Hit(
            entry=entries[pk],
            score=score,
            title=mark(entries[pk].title, terms),
            snippet=snippet([getattr(entries[pk], p) for p in ENTRY_PARTS], terms),
        )
        for pk, score in ranked
        if pk in entries
    ]
    return SearchResult(analysis=analysis, hits=hits)
