"""The pocket book as JSON: the list of entries with their versions (an offline client fetches
what changed), one entry by its stable slug, and the search. Every staff role reads it."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from zoufang.core.api import responses
from zoufang.knowledge import access, selectors
from zoufang.knowledge.models import Entry
from zoufang.knowledge.schemas import EntryBriefOut, EntryOut, HitOut

router = Router(tags=["pocketbook"])


def _out(entry: Entry, full: bool) -> dict:
    data = {
        "slug": entry.slug,
        "chapter": entry.chapter.slug,
        "title": entry.title,
        "version": entry.version,
        "updated_at": entry.updated_at,
    }
    if full:
        data |= {p: getattr(entry, p) for p in ("say", "do", "how", "standard", "basis")}
    return data


@router.get(
    "/entries", response=responses(list[EntryBriefOut], 401, 403), operation_id="pocketbook_entries"
)
def entries(request: HttpRequest) -> list[dict]:
    access.check_read(request.user)
    qs = Entry.objects.select_related("chapter").only(
        "slug", "title", "version", "updated_at", "chapter__slug"
    )
    return [_out(e, full=False) for e in qs]


@router.get(
    "/entries/{slug}",
    response=responses(EntryOut, 401, 403, 404, 422),
    operation_id="pocketbook_entry",
)
def entry(request: HttpRequest, slug: str) -> dict:
    return _out(access.get_entry_for_user(request.user, slug), full=True)


@router.get(
    "/search", response=responses(list[HitOut], 401, 403, 422), operation_id="pocketbook_search"
)
def search(request: HttpRequest, q: str) -> list[dict]:
    access.check_read(request.user)
    result = selectors.entry_search(q[:200])
    return [
        {
            "slug": h.entry.slug,
            "chapter": h.entry.chapter.slug,
            "title": h.entry.title,
            "score": h.score,
        }
        for h in result.hits
    ]
